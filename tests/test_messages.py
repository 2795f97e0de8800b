"""The one message catalogue: every code has Chinese and English with the same placeholders."""
import importlib
import pkgutil

import inspector_app
from inspector_app.domain import messages


def _import_everything_but_the_ui():
    import sync

    walks = [pkgutil.walk_packages(inspector_app.__path__, "inspector_app."),
             pkgutil.walk_packages(sync.__path__, "sync.")]
    for walk in walks:
        for module in walk:
            if (".ui" in module.name or module.name.endswith((".app", "__main__")) or ".capture" in module.name
                    or ".migrations" in module.name):
                continue
            importlib.import_module(module.name)


def test_placeholders_match_and_texts_are_chinese_first():
    _import_everything_but_the_ui()
    catalogue = messages.catalogue()
    assert len(catalogue) > 20
    import re

    for code, message in catalogue.items():
        assert message.placeholders("zh") == message.placeholders("en"), code
        # Words outside the placeholders: Chinese in zh, English in en (a pure layout such as
        # "{name}\n{code}" has none and needs none).
        zh_words = re.sub(r"\{[^}]*\}", "", message.zh)
        en_words = re.sub(r"\{[^}]*\}", "", message.en)
        if any(c.isalpha() for c in zh_words):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_words), f"{code} has no Chinese text"
        if any(c.isalpha() for c in en_words):
            assert any(c.isascii() and c.isalpha() for c in en_words), f"{code} has no English text"


def test_defining_a_code_twice_with_other_text_is_refused():
    messages.define("test.once", "一", "one")
    messages.define("test.once", "一", "one")
    try:
        messages.define("test.once", "二", "two")
    except ValueError:
        return
    raise AssertionError("a code was redefined silently")
