"""Unlocking: a wrong passphrase shows the key slot's message and stays; auto-lock after idle
(configurable) keeps the work; switching officer without closing anything."""
from __future__ import annotations

from PySide6.QtCore import Qt

from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    app_window, demo_dir, demo_template, demo_ws, focus, idle, press, type_text, unlock_by_keyboard, wait_focus,
)


def test_wrong_passphrase_stays_on_the_lock_screen(qtbot, app_window):
    ctx, window = app_window
    lock = window.lock_page
    wait_focus(qtbot, lock.passphrase)
    type_text(qtbot, "not-the-passphrase")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lock.error.isVisible(), timeout=20000)
    assert lock.error.text() == "口令错误（或密钥槽已损坏）"
    assert ctx.session.officer is None and window.root.currentWidget() is lock
    assert focus() is lock.passphrase and lock.passphrase.selectedText() == "not-the-passphrase"
    lock.passphrase.clear()
    unlock_by_keyboard(qtbot, ctx, window)
    assert window.root.currentWidget() is window.work


def test_auto_lock_after_idle_and_switch_officer(qtbot, app_window):
    ctx, window = app_window
    unlock_by_keyboard(qtbot, ctx, window)
    # the idle time is a setting; 0.01 minutes = 600 ms
    ctx.session.set_autolock_minutes(0.01)
    qtbot.waitUntil(lambda: ctx.session.officer is None, timeout=5000)
    assert window.root.currentWidget() is window.lock_page and window.lock_page.idle_note.isVisible()
    assert not window.actions_["page.enterprises"].isEnabled()  # nothing behind the lock is reachable
    ctx.session.set_autolock_minutes(0)
    unlock_by_keyboard(qtbot, ctx, window)
    # activity keeps it unlocked
    ctx.session.set_autolock_minutes(0.02)
    for _ in range(4):
        qtbot.wait(400)
        press(qtbot, Qt.Key.Key_Down)
    assert ctx.session.officer is not None
    ctx.session.set_autolock_minutes(0)
    # switch officer (Ctrl+Shift+L): the next officer is proposed, the window stays
    window.show_page("enterprises")
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ctx.session.officer is None
    assert window.lock_page.officer.currentData() == "DEMO-0002"
    wait_focus(qtbot, window.lock_page.officer)
    press(qtbot, Qt.Key.Key_Tab)
    unlock_by_keyboard(qtbot, ctx, window)
    assert ctx.session.cert == "DEMO-0002"
    assert window.pages.currentWidget() is window.enterprises
    assert "王芳" in window.officer_label.text()


def test_settings_by_keyboard(qtbot, app_window):
    ctx, window = app_window
    unlock_by_keyboard(qtbot, ctx, window)
    press(qtbot, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    page = window.settings
    wait_focus(qtbot, page.fields["county_name"])
    page.fields["county_name"].selectAll()
    type_text(qtbot, "白石县")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is page.fields["short_name"]
    page.fields["short_name"].selectAll()
    type_text(qtbot, "白")
    page.autolock.setValue(15)
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.status.text() == "设置已保存。", timeout=10000)
    values = services.read_settings(ctx.ws)
    assert values["county_name"] == "白石县" and values["short_name"] == "白" and values["autolock_minutes"] == 15
    assert ctx.session.autolock_ms == 15 * 60_000
    assert services.county_settings(ctx.ws).county_name == "白石县"
