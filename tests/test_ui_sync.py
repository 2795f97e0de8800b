"""Sync in the app against a real inspector-server on loopback: enrol from Settings with the
admin's one-time code, sign an inspection by keyboard, 立即同步 (F9) from home; the panel shows
已同步 and the server has the record. With the server down the panel says so, in Chinese."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from inspector_app.store import officers as officer_store
from inspector_app.ui import services
from server_fixtures import *  # noqa: F401,F403 - the server fixtures (a real server on loopback)
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, active_dialog, app_window, demo_dir, demo_template, demo_ws, focus, idle, press, type_text,
    unlock_by_keyboard, wait_focus,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _sign_by_keyboard(qtbot, ctx, window, inspection_id: str) -> None:
    window.open_inspection(inspection_id)
    idle(qtbot, ctx)
    page = window.inspection
    wait_focus(qtbot, page.table)
    for _ in range(len(page.state.items)):
        press(qtbot, Qt.Key.Key_1)
    idle(qtbot, ctx)
    page.reload()
    assert page.state.blockers == []
    press(qtbot, Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.ShiftModifier)
    for cert in ("DEMO-0001", "DEMO-0002"):
        qtbot.waitUntil(lambda: (d := active_dialog("passphraseDialog")) is not None and d.cert == cert
                        and focus() is d.passphrase and d.passphrase.text() == "", timeout=20000)
        type_text(qtbot, PASSPHRASE)
        press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.state.status == "signed", timeout=30000)
    docs = page.documents_dialog
    if docs is not None:
        qtbot.waitUntil(lambda: len(docs.results) > 0, timeout=60000)
        docs.reject()
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: focus() is not None and focus().window() is window, timeout=10000)


def test_enrol_sign_and_sync_now(qtbot, app_window, server):
    ctx, window = app_window
    ws = ctx.ws
    device_name = "laptop-ui-" + os.urandom(3).hex()
    code = server.admin("enrol-device", device_name)["code"]
    with ws.store.read() as session:
        officers = [(o.name, o.cert, o.public_key) for o in officer_store.all_rows(session)]
    for name, cert, key in officers:
        server.admin("add-inspector", "--name", name, "--cert", cert, "--public-key", key, "--device", device_name)

    unlock_by_keyboard(qtbot, ctx, window)
    controller = window.sync
    home = window.home
    assert "未注册到县局服务器" in home.sync.server.text()
    assert not home.sync.now_button.isEnabled()

    # --- Settings: the server address and the one-time code, by keyboard ---
    press(qtbot, Qt.Key.Key_5, CTRL)
    settings = window.settings
    settings.fields["server_url"].setFocus()
    wait_focus(qtbot, settings.fields["server_url"])
    settings.fields["server_url"].clear()
    type_text(qtbot, server.url)
    settings.enrol_code.setFocus()
    wait_focus(qtbot, settings.enrol_code)
    type_text(qtbot, code)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已注册" in settings.enrol_state.text(), timeout=20000)
    assert device_name in settings.enrol_state.text()
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: controller.enrolled, timeout=10000)
    assert controller.timer.isActive()  # the periodic pass runs while unlocked
    assert services.setting(ws, "server_url") == server.url

    # --- sign an inspection ---
    enterprise = services.enterprise_codes(ws, "")[0]
    inspection = services.create_inspection(ws, enterprise_code=enterprise, inspectors=["DEMO-0001", "DEMO-0002"],
                                            catalogue_keys=[(c.id, c.version) for c in services.latest_catalogues(ws)][:1])
    _sign_by_keyboard(qtbot, ctx, window, inspection)
    record_hash = services.inspection_state(ws, inspection).record_hash
    assert record_hash

    # --- home, 立即同步 (F9) ---
    press(qtbot, Qt.Key.Key_1, CTRL)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is home)
    qtbot.waitUntil(lambda: not controller.running, timeout=60000)  # the pass after signing, if it started
    press(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: controller.op is not None and controller.op.done, timeout=60000)
    idle(qtbot, ctx)
    assert controller.last_error is None, controller.last_error
    qtbot.waitUntil(lambda: "已同步 1" in home.sync.counts.text(), timeout=10000)
    assert "失败 0" in home.sync.counts.text() and "待同步 0" in home.sync.counts.text()
    assert "成功" in home.sync.last.text()
    with server.admin_client() as admin:
        got = admin.get(f"/api/v1/records/{record_hash}")
        assert got.status_code == 200 and got.json()["status"] == "complete"

    # --- the server down: state on the panel, no message box, no traceback ---
    server.stop()
    try:
        assert controller.run_now()
        qtbot.waitUntil(lambda: controller.op.done, timeout=60000)
        idle(qtbot, ctx)
        assert controller.last_error is not None and controller.last_error.code == "sync.offline"
        qtbot.waitUntil(lambda: "中断" in home.sync.last.text(), timeout=10000)
        assert "无法连接县局服务器" in home.sync.last.text()
        assert "Traceback" not in home.sync.last.text()
    finally:
        server.start()
