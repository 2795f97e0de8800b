"""The one catalogue of user-facing messages, shared by the UI, the CLI and the server.

Each message has a stable code and a Chinese and an English text with named placeholders. Modules
define the codes they raise next to the code that raises them (``define`` at import time), so the
catalogue stays one registry without one file that everyone edits. ``tests/test_messages.py``
checks that both languages use the same placeholders.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@dataclass(frozen=True)
class Message:
    code: str
    zh: str
    en: str

    def placeholders(self, lang: str) -> set[str]:
        text = getattr(self, lang)
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}


_CATALOGUE: dict[str, Message] = {}


def define(code: str, zh: str, en: str) -> str:
    """Register a message; returns the code so modules can keep it as a constant."""
    existing = _CATALOGUE.get(code)
    if existing is not None and (existing.zh, existing.en) != (zh, en):
        raise ValueError(f"message {code} defined twice with different text")
    _CATALOGUE[code] = Message(code, zh, en)
    return code


def catalogue() -> dict[str, Message]:
    return dict(_CATALOGUE)


def render(code: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    message = _CATALOGUE[code]
    text = getattr(message, lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    return text.format(**params)


class InspectorError(Exception):
    """An error meant for a person: a stable code, parameters, and how the CLI should exit.

    exit_code follows DESIGN.md §4: 1 when the answer is "no" (invalid data, failed check),
    2 for bad usage (unknown item, unknown enterprise, malformed argument).
    """

    exit_code = 1

    def __init__(self, code: str, /, *, exit_code: int | None = None, **params: object):
        if code not in _CATALOGUE:
            raise KeyError(f"undefined message code {code}")
        self.code = code
        self.params = params
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(render(code, "en", **params))

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, lang, **self.params)


class UsageError(InspectorError):
    exit_code = 2
