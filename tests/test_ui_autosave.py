"""Close the window in the middle of an inspection, with a finding half typed; start again on the
same data folder: the results, the finding draft and the place in the checklist are all there."""
from __future__ import annotations

from PySide6.QtCore import Qt

from inspector_app.app import build
from inspector_app.ui import services
from inspector_app.workspace import Workspace
from ui_fixtures import (  # noqa: F401 - fixtures
    close_app, demo_dir, demo_template, focus, idle, press, type_text, unlock_by_keyboard, wait_focus,
)


def _start(qtbot, data_dir):
    ws = Workspace(data_dir)
    ctx, window = build(ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    wait_focus(qtbot, window.lock_page.passphrase)
    return ws, ctx, window


def test_close_mid_inspection_and_reopen(qtbot, demo_dir):
    ws, ctx, window = _start(qtbot, demo_dir)
    unlock_by_keyboard(qtbot, ctx, window)
    code = services.enterprise_codes(ws, "")[3]
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    iid = services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=keys)
    window.open_inspection(iid)
    page = window.inspection
    wait_focus(qtbot, page.table)
    press(qtbot, Qt.Key.Key_1)
    press(qtbot, Qt.Key.Key_3)
    press(qtbot, Qt.Key.Key_2)  # the third item: violation, the editor opens
    editor = page.editor
    wait_focus(qtbot, editor.description)
    type_text(qtbot, "消防通道堆放杂物")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "二号仓库")
    third = page.state.items[2].item_id
    # closing right away: the draft is written before the window goes, nothing waits for a timer
    window.close()
    close_app(qtbot, ctx, window)
    ws.close()

    ws, ctx, window = _start(qtbot, demo_dir)
    try:
        unlock_by_keyboard(qtbot, ctx, window)
        page = window.inspection
        assert window.pages.currentWidget() is page and page.state.id == iid  # resumed
        assert [i.result for i in page.state.items[:3]] == ["compliant", "not-applicable", "violation"]
        assert third in page.model.drafts
        assert "有未保存完的隐患草稿" in page.model.data(page.model.index(2, 1))
        wait_focus(qtbot, page.table)
        page.select_row(2)
        press(qtbot, Qt.Key.Key_F)
        editor = page.editor
        wait_focus(qtbot, editor.description)
        assert editor.description.toPlainText() == "消防通道堆放杂物"
        assert editor.location.text() == "二号仓库"
        assert editor.restored.isVisible()
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: editor.saved_id is not None, timeout=10000)
        idle(qtbot, ctx)
        state = services.inspection_state(ws, iid)
        assert [f.description for f in state.findings] == ["消防通道堆放杂物"]
        assert services.drafts_of(ws, iid) == {}
    finally:
        close_app(qtbot, ctx, window)
        ws.close()
