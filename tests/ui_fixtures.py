"""Fixtures for the app's tests (pytest-qt, offscreen, a real store in tmp_path, no mocks).

The demo county is made once per session (officer keys take a memory-hard KDF each) and copied
into each test's own data folder. Keyboard helpers send keys to whatever has the focus, so a test
that drives a flow with them proves the focus order too.
"""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inspector_app.ui.qtcompat import guard_singletons

guard_singletons()  # PySide 6.12 on Python 3.11 drops references to None: see inspector_app/ui/qtcompat.py
PASSPHRASE = "demo"


def _make_demo(folder: Path) -> Path:
    from inspector_app.ui import services
    from inspector_app.workspace import Workspace

    ws = Workspace(folder)
    try:
        services.load_demo(ws, PASSPHRASE)
        services.save_settings(ws, dict(services.DEMO_COUNTY), by=None)
    finally:
        ws.close()
    return folder


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    return _make_demo(tmp_path_factory.mktemp("demo-template") / "data")


@pytest.fixture
def demo_dir(tmp_path, demo_template) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_ws(demo_dir):
    from inspector_app.workspace import Workspace

    ws = Workspace(demo_dir)
    yield ws
    ws.close()


@pytest.fixture
def app_window(qtbot, demo_ws):
    """(ctx, window) of the app on the demo county, shown, locked."""
    from inspector_app.app import build
    from inspector_app.ui.i18n import set_language

    set_language("zh")
    ctx, window = build(demo_ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield ctx, window
    close_app(qtbot, ctx, window)


def close_app(qtbot, ctx, window) -> None:
    if window.isVisible():
        window.close()
    ctx.ops.wait_for_workers()
    qtbot.waitUntil(lambda: ctx.ops.active == 0, timeout=20000)
    QApplication.instance().removeEventFilter(ctx.extra["events"])


def focus():
    return QApplication.focusWidget()


def wait_focus(qtbot, widget, timeout: int = 5000) -> None:
    """A dialog or screen that just opened gets the focus when its window becomes active."""
    try:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=timeout)
    except Exception:
        raise AssertionError(f"focus is on {QApplication.focusWidget()!r} in {QApplication.activeWindow()!r}, "
                             f"wanted {widget!r}") from None


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier, widget=None) -> None:
    target = widget or focus()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str, widget=None) -> None:
    """ASCII as key presses; Chinese the way an input method delivers it (a committed string)."""
    from PySide6.QtGui import QInputMethodEvent

    target = widget or focus()
    assert target is not None, "nothing has the keyboard focus"
    if text.isascii():
        qtbot.keyClicks(target, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(target, event)


def idle(qtbot, ctx, timeout: int = 30000) -> None:
    """Wait until every background operation has delivered its result."""
    qtbot.waitUntil(lambda: ctx.ops.active == 0, timeout=timeout)


def unlock_by_keyboard(qtbot, ctx, window, passphrase: str = PASSPHRASE) -> None:
    assert focus() is window.lock_page.passphrase
    type_text(qtbot, passphrase)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ctx.session.officer is not None, timeout=20000)
    idle(qtbot, ctx)


def jpeg(path: Path, colour=(200, 40, 40), size=(640, 480)) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(255, 255, 255), width=3)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return path


def active_dialog(name: str):
    for w in QApplication.topLevelWidgets():
        if w.objectName() == name and w.isVisible():
            return w
    return None
