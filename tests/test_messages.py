"""The one message catalogue: every code has Chinese and English with the same placeholders."""
import importlib
import pkgutil

import inspector_app
from inspector_app.domain import messages


def _import_everything_but_the_ui():
    for module in pkgutil.walk_packages(inspector_app.__path__, "inspector_app."):
        if ".ui" in module.name or module.name.endswith(".app") or ".capture" in module.name:
            continue
        importlib.import_module(module.name)


def test_placeholders_match_and_texts_are_chinese_first():
    _import_everything_but_the_ui()
    catalogue = messages.catalogue()
    assert len(catalogue) > 20
    for code, message in catalogue.items():
        assert message.placeholders("zh") == message.placeholders("en"), code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message.zh), f"{code} has no Chinese text"
        assert any(c.isascii() and c.isalpha() for c in message.en), f"{code} has no English text"


def test_defining_a_code_twice_with_other_text_is_refused():
    messages.define("test.once", "一", "one")
    messages.define("test.once", "一", "one")
    try:
        messages.define("test.once", "二", "two")
    except ValueError:
        return
    raise AssertionError("a code was redefined silently")
