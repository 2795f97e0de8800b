"""Home: open inspections (a month-old draft flagged by the one-month entry rule), open hazards
whose deadline is near or past (signed records only, as store/reviews.py defines "open"),
unassigned evidence, and the sync state."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from inspector_app.store import inspections as inspection_store
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, app_window, demo_dir, demo_template, demo_ws, idle, jpeg, unlock_by_keyboard,
)


def test_home_lists_what_needs_attention(qtbot, app_window, tmp_path):
    ctx, window = app_window
    ws = ctx.ws
    code = services.enterprise_codes(ws, "")[2]
    catalogues = ws.catalogues.latest()
    started = (datetime.now().astimezone() - timedelta(days=40)).isoformat(timespec="seconds")
    with ws.store.write() as session:
        old = inspection_store.create(session, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                      catalogues=catalogues, started_at=started).id
    items = services.inspection_state(ws, old).items
    today = date.today()
    services.add_finding(ws, old, item_id=items[0].item_id, description="逾期未改", grade="general",
                         deadline=(today - timedelta(days=3)).isoformat())
    services.add_finding(ws, old, item_id=items[1].item_id, description="即将到期", grade="general",
                         deadline=(today + timedelta(days=2)).isoformat())
    services.add_finding(ws, old, item_id=items[2].item_id, description="期限尚远", grade="general",
                         deadline=(today + timedelta(days=60)).isoformat())
    services.sign(ws, old, lambda cert: PASSPHRASE)
    with ws.store.write() as session:  # a month-old draft, still open
        late = inspection_store.create(session, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                       catalogues=catalogues, started_at=started).id
    unlock_by_keyboard(qtbot, ctx, window)
    services.import_paths(ws, ctx.session.officer, [jpeg(tmp_path / "a.jpg")])
    window.show_page("home")
    idle(qtbot, ctx)
    home = window.home
    deadlines = [home.deadlines.item(i).text() for i in range(home.deadlines.count())]
    assert len(deadlines) == 2
    assert deadlines[0].startswith("已逾期 3 天") and "逾期未改" in deadlines[0]
    assert deadlines[1].startswith("2 天后到期") and "即将到期" in deadlines[1]
    assert all("录入晚于检查一个月" in d for d in deadlines)  # entered 40 days after the check
    drafts = {home.drafts.item(i).data(0x0100): home.drafts.item(i).text() for i in range(home.drafts.count())}
    assert "检查已超过一个月" in drafts[late]
    assert home.unassigned.count() == 1 and "a.jpg" in home.unassigned.item(0).text()
    assert "未注册到县局服务器" in home.sync.server.text()  # not enrolled: said plainly (tests/test_ui_sync.py)
