"""The finding editor offers the wordings officers used before for the same item, most used first."""
from __future__ import annotations

from inspector_app.ui import services
from inspector_app.ui.inspection import FindingEditor
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, app_window, demo_dir, demo_template, demo_ws, idle, unlock_by_keyboard,
)


def test_the_wordings_library_grows_from_use(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    unlock_by_keyboard(qtbot, ctx, window)
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    codes = services.enterprise_codes(ws, "")
    used = {}
    for n, text in enumerate(["动火作业未办理作业票", "动火作业未办理作业票", "受限空间作业未检测分析"]):
        iid = services.create_inspection(ws, enterprise_code=codes[n], inspectors=["DEMO-0001", "DEMO-0002"],
                                         catalogue_keys=keys)
        item = next(i for i in services.inspection_state(ws, iid).items if i.item_id == "theme-special-work")
        services.add_finding(ws, iid, item_id=item.item_id, description=text, grade="general")
        used[n] = iid
    fresh = services.create_inspection(ws, enterprise_code=codes[5], inspectors=["DEMO-0001", "DEMO-0002"],
                                       catalogue_keys=keys)
    state = services.inspection_state(ws, fresh)
    item = next(i for i in state.items if i.item_id == "theme-special-work")
    editor = FindingEditor(ctx, state, item, parent=window)
    qtbot.addWidget(editor)
    qtbot.waitUntil(lambda: editor.wordings.isEnabled(), timeout=5000)
    offered = [editor.wordings.itemData(i) for i in range(1, editor.wordings.count())]
    assert offered == ["动火作业未办理作业票", "受限空间作业未检测分析"]
    editor.wordings.activated.emit(2)
    assert editor.description.toPlainText() == "受限空间作业未检测分析"
    other = next(i for i in state.items if i.item_id == "theme-alarm")
    empty = FindingEditor(ctx, state, other, parent=window)
    qtbot.addWidget(empty)
    idle(qtbot, ctx)
    assert not empty.wordings.isEnabled() and empty.wordings.count() == 1
