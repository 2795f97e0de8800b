"""One translation mechanism: every UI text is a message with Chinese and English and the same
placeholders; English screens show no stray Chinese; and a pseudo-locale run (English, accented,
40 % longer) finds no clipped labels, buttons or titles on any screen."""
from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QDialog

import inspector_app.capture
import inspector_app.ui
from inspector_app.domain import messages
from inspector_app.ui import services
from inspector_app.ui.i18n import set_language
from inspector_app.ui.layout_check import find_clipped
from ui_fixtures import PASSPHRASE, close_app, demo_dir, demo_template, demo_ws  # noqa: F401 - fixtures

CJK = re.compile(r"[\u4e00-\u9fff]")
# English texts that name a Chinese term on purpose
ENGLISH_WITH_CHINESE = {"ui.ent.f.key"}


def _import_ui():
    for package in (inspector_app.ui, inspector_app.capture):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    importlib.import_module("inspector_app.app")


def test_every_ui_text_has_both_languages_and_the_same_placeholders():
    _import_ui()
    ui = {code: m for code, m in messages.catalogue().items() if code.startswith("ui.")}
    assert len(ui) > 200
    for code, m in ui.items():
        assert m.placeholders("zh") == m.placeholders("en"), code
        if not re.search(r"[A-Za-z\u4e00-\u9fff]", re.sub(r"\{\w+\}", "", m.zh + m.en)):
            continue  # a layout of placeholders only, e.g. "{name}\n{code} · {kind}"
        assert CJK.search(m.zh), f"{code} has no Chinese"
        assert re.search(r"[A-Za-z]", m.en), f"{code} has no English"
        if code not in ENGLISH_WITH_CHINESE:
            assert not CJK.search(m.en), f"{code}: Chinese in the English text: {m.en}"


def _screens(qtbot, ws, unlocked, lang):
    """Build the app in a language, visit every screen and the main dialogs; yield (name, widget)."""
    from inspector_app.app import build
    from inspector_app.ui.inspection import FindingEditor, NewInspectionDialog
    from inspector_app.ui.shortcuts import ShortcutsDialog

    set_language(lang)
    ctx, window = build(ws)
    qtbot.addWidget(window)
    window.resize(QSize(1366, 768))
    window.show()
    qtbot.waitExposed(window)
    try:
        yield "lock", window
        ctx.session.set_unlocked(unlocked)
        qtbot.waitUntil(lambda: ctx.ops.active == 0, timeout=20000)
        for name in ("home", "enterprises", "inspection", "evidence", "settings"):
            window.show_page(name)
            if name == "enterprises":
                window.enterprises.search.view.setCurrentIndex(window.enterprises.search.model.index(0))
            qtbot.waitUntil(lambda: ctx.ops.active == 0, timeout=20000)
            qtbot.wait(50)
            yield name, window
        dialog = NewInspectionDialog(ctx, services.enterprise_codes(ws, "")[0], window)
        dialog.show()
        qtbot.waitExposed(dialog)
        yield "new inspection", dialog
        dialog.close()
        state = window.inspection.state
        editor = FindingEditor(ctx, state, state.items[0], window)
        editor.show()
        qtbot.waitExposed(editor)
        yield "finding editor", editor
        editor.close()
        help_ = ShortcutsDialog(window)
        help_.show()
        yield "shortcuts", help_
        help_.close()
        camera = ctx.capture.open_camera_window(window)
        qtbot.waitExposed(camera)
        yield "camera", camera
        camera.reject()
    finally:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                w.reject()
        close_app(qtbot, ctx, window)
        set_language("zh")


@pytest.mark.parametrize("lang", ["zh", "en", "pseudo"])
def test_no_text_is_clipped(qtbot, demo_ws, lang):
    ws = demo_ws
    code = services.enterprise_codes(ws, "")[5]
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    iid = services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=keys)
    services.set_ui_setting(ws, services.LAST_INSPECTION, iid)
    unlocked = services.unlock(ws, "DEMO-0001", PASSPHRASE)
    problems = []
    for name, widget in _screens(qtbot, ws, unlocked, lang):
        problems += [f"{name}: {c}" for c in find_clipped(widget)]
    assert not problems, "\n".join(problems)
