"""Home shows the county's inspection tasks pulled at sync (今日计划) until an inspection of the
enterprise is signed; Enter on a task starts a new inspection of that enterprise."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from inspector_app.ui import services
from sync.client.queue import SyncQueue
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, app_window, demo_dir, demo_template, demo_ws, idle, unlock_by_keyboard,
)


def test_assigned_tasks_are_shown_until_done(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    code = services.enterprise_codes(ws, "")[3]
    today = datetime.now().astimezone().date().isoformat()
    SyncQueue(ws.store).set_config(assignments=[{
        "id": 1, "enterprise": code, "inspectors": ["DEMO-0001", "DEMO-0002"], "title": "双随机抽查",
        "due": "2099-03-31", "note": "", "created_at": today + "T08:00:00+08:00"}])
    plan = services.home_summary(ws, datetime.now().date()).plan
    assert [(p.enterprise_code, p.title, p.due) for p in plan] == [(code, "双随机抽查", "2099-03-31")]

    unlock_by_keyboard(qtbot, ctx, window)
    window.show_page("home")
    idle(qtbot, ctx)
    first = window.home.drafts.item(0)
    assert "双随机抽查" in first.text() and "2099-03-31" in first.text()
    asked = []
    window.nav.new_inspection.connect(asked.append)
    window.home.drafts.setCurrentRow(0)
    window.home.drafts.itemActivated.emit(first)
    assert asked == [code]

    # once an inspection of that enterprise is signed, the task is done
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    iid = services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=keys)
    item = services.inspection_state(ws, iid).items[0]
    services.set_result(ws, iid, item.item_id, "compliant")
    services.sign(ws, iid, lambda cert: PASSPHRASE)
    assert services.home_summary(ws, datetime.now().date()).plan == []
