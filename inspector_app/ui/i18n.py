"""The app's one translation mechanism: the shared message catalogue (domain/messages.py).

Every word the app shows is a message code defined next to the widget that shows it, with a
Chinese and an English text and named placeholders (``define("ui.home.title", "首页", "Home")``),
rendered with ``tr(code, **params)`` in the current language. Whole sentences are messages with
placeholders; the UI never glues sentence fragments together. The same registry holds the core's
error messages, so an ``InspectorError`` is shown with ``error_text(exc)`` in the same language.

A third, test-only language, ``pseudo``, renders the English text with accented letters and about
40 % more length between brackets: a layout that clips or overlaps it will clip real translations
too (tests/test_ui_i18n.py walks every screen with it).

Qt's own strings (the standard buttons of message boxes) come from Qt's shipped translations,
loaded by app.py with QTranslator.
"""
from __future__ import annotations

from inspector_app.domain.messages import DEFAULT_LANGUAGE, InspectorError, define, render

__all__ = ["define", "tr", "error_text", "set_language", "language", "LANGUAGES", "pseudo"]

LANGUAGES = ("zh", "en")
_state = {"lang": DEFAULT_LANGUAGE, "pseudo": False}

_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöƥqŕšţûṽŵxýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖƤQŔŠŢÛṼŴXÝŽ",
)


def set_language(lang: str) -> None:
    """zh, en, or pseudo (English, accented and lengthened, for layout checks)."""
    if lang == "pseudo":
        _state.update(lang="en", pseudo=True)
    else:
        _state.update(lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE, pseudo=False)


def language() -> str:
    """The language of the texts (pseudo reports en)."""
    return _state["lang"]


def is_pseudo() -> bool:
    return bool(_state["pseudo"])


def pseudo(text: str) -> str:
    if not text:
        return text
    out = text.translate(_ACCENTS)
    pad = "~" * max(2, round(len(text) * 0.4))
    return f"[{out} {pad}]"


def tr(code: str, /, **params: object) -> str:
    text = render(code, _state["lang"], **params)
    return pseudo(text) if _state["pseudo"] else text


def error_text(exc: BaseException) -> str:
    if isinstance(exc, InspectorError):
        text = exc.text(_state["lang"])
        return pseudo(text) if _state["pseudo"] else text
    return tr(INTERNAL)


INTERNAL = define(
    "ui.error.internal",
    "程序内部出错，操作未完成。您已保存的数据不受影响。",
    "An internal error stopped this action. Your saved data is not affected.",
)
