"""Enterprises: search as you type over a lazy model (rows fetched as the list scrolls), and the
file of one enterprise with its history and repeat offences highlighted."""
from __future__ import annotations

from PySide6.QtCore import Qt

from inspector_app.demo import demo_enterprises
from inspector_app.store import enterprises as enterprise_store
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    app_window, demo_dir, demo_template, demo_ws, focus, idle, press, type_text, unlock_by_keyboard, wait_focus,
)


def test_the_list_is_lazy_and_search_narrows_it(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    with ws.store.write() as session:
        for e in demo_enterprises(1500, seed=7):
            enterprise_store.add(session, e, replace=True)
    total = services.enterprise_count(ws)
    unlock_by_keyboard(qtbot, ctx, window)
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.enterprises.search
    wait_focus(qtbot, search.box)
    search.run_search()
    model = search.model
    assert model.total == total
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    assert model.rowCount() < total  # only what the view needed
    loaded = model.rowCount()
    search.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > loaded)
    assert model.rowCount() <= total
    type_text(qtbot, "润达")
    qtbot.waitUntil(lambda: model.query == "润达", timeout=3000)
    assert 0 < model.total < total
    assert all("润达" in model.enterprise(i).name for i in range(model.rowCount()))
    press(qtbot, Qt.Key.Key_Down)
    assert focus() is search.view
    code = search.current_code()
    assert window.enterprises.file.code == code


def test_the_file_shows_history_and_repeat_offences(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    code = services.enterprise_codes(ws, "")[0]
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    ids = []
    for text in ("第一次发现", "又一次发现"):
        iid = services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                         catalogue_keys=keys)
        item = services.inspection_state(ws, iid).items[0].item_id
        services.add_finding(ws, iid, item_id=item, description=text, grade="general")
        ids.append(iid)
    unlock_by_keyboard(qtbot, ctx, window)
    window.open_enterprise(code)
    view = window.enterprises.file
    assert view.heading.text() == services.enterprise_rows(ws, [code])[0].name
    assert view.history.rowCount() == 2
    table = view.findings
    assert table.rowCount() == 2
    marks = [table.item(r, 5).text() for r in range(2)]
    assert any("屡查屡犯" in m for m in marks)
    assert all(table.item(r, 0).background().color().name() == "#fde7e9" for r in range(2))
    assert view.licences.rowCount() >= 1
    # Enter on a history row opens that inspection
    view.tabs.setCurrentIndex(3)
    view.history.setFocus()
    view.history.setCurrentCell(0, 0)
    press(qtbot, Qt.Key.Key_Return, widget=view.history)
    assert window.pages.currentWidget() is window.inspection and window.inspection.state.id in ids
