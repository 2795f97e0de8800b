"""Quick record without a camera: frames are fed through QVideoFrameInput into the capture session
(Qt 6.8+); Ctrl+Shift+R starts and stops from any screen, before any enterprise is chosen, even
while locked; the clip lands in the vault as unassigned evidence with a note of its codec, and
ffprobe finds a playable video stream in it."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoFrameInput

from inspector_app.app import build
from inspector_app.capture import formats, ingest
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    active_dialog, app_window, close_app, demo_dir, demo_template, demo_ws, idle, press, unlock_by_keyboard,
    wait_focus,
)

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
FPS = 10


class FrameFeeder:
    """A test pattern at FPS frames per second of media time, as fast as the recorder takes them."""

    def __init__(self, frame_input: QVideoFrameInput, size=QSize(320, 240)):
        self.input = frame_input
        self.size = size
        self.sent = 0
        self.running = False
        frame_input.readyToSendVideoFrame.connect(self.send)
        self.timer = QTimer()
        self.timer.setInterval(15)
        self.timer.timeout.connect(self.send)

    def start(self):
        self.running = True
        self.timer.start()

    def stop(self):
        self.running = False
        self.timer.stop()

    def send(self):
        if not self.running:
            return
        image = QImage(self.size, QImage.Format.Format_ARGB32)
        image.fill(QColor.fromHsv((self.sent * 12) % 360, 200, 220))
        painter = QPainter(image)
        painter.drawText(20, 40, f"frame {self.sent}")
        painter.end()
        frame = QVideoFrame(image)
        frame.setStartTime(self.sent * 1_000_000 // FPS)
        frame.setEndTime((self.sent + 1) * 1_000_000 // FPS)
        if self.input.sendVideoFrame(frame):
            self.sent += 1


@pytest.fixture
def recording_app(qtbot, demo_ws):
    frame_input = QVideoFrameInput(QVideoFrameFormat(QSize(320, 240), QVideoFrameFormat.PixelFormat.Format_BGRA8888))
    ctx, window = build(demo_ws, frame_input=frame_input)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    wait_focus(qtbot, window.lock_page.passphrase)
    feeder = FrameFeeder(frame_input)
    yield ctx, window, feeder
    feeder.stop()
    close_app(qtbot, ctx, window)


def _record(qtbot, ctx, feeder, frames: int = 25) -> None:
    press(qtbot, Qt.Key.Key_R, CTRL_SHIFT)
    qtbot.waitUntil(lambda: ctx.capture.recording, timeout=10000)
    feeder.start()
    qtbot.waitUntil(lambda: feeder.sent >= frames, timeout=20000)
    press(qtbot, Qt.Key.Key_R, CTRL_SHIFT)
    feeder.stop()
    qtbot.waitUntil(lambda: not ctx.capture.recording, timeout=20000)


def _probe(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name",
                          "-show_entries", "format=duration", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_quick_record_from_any_screen_lands_unassigned(qtbot, recording_app, tmp_path):
    ctx, window, feeder = recording_app
    unlock_by_keyboard(qtbot, ctx, window)
    window.show_page("settings")  # any screen, no enterprise chosen
    before = {r.sha256 for r in services.evidence_rows(ctx.ws)}
    _record(qtbot, ctx, feeder)
    assert window.recording.isHidden()
    qtbot.waitUntil(lambda: len(ctx.capture.last_imported) == 1, timeout=30000)
    idle(qtbot, ctx)
    captured = ctx.capture.last_imported[0]
    assert captured.sha256 not in before
    unassigned = {r.sha256: r for r in services.evidence_rows(ctx.ws, unassigned=True)}
    row = unassigned[captured.sha256]
    assert row.kind == "video" and row.captured_by == "DEMO-0001"
    note = json.loads(row.note)
    choice = formats.choose(with_audio=False)
    assert note["video_codec"] == choice.video_codec and note["container"] == choice.container
    assert note["source"] == "quick-record" and note["device"] == "QVideoFrameInput"
    assert ingest.pending(ctx.ws.data_dir) == []  # the plaintext clip is gone
    out = tmp_path / ("clip" + choice.suffix)
    ctx.session.vault.export(captured.sha256, out)
    probe = _probe(out)
    video = [s for s in probe["streams"] if s["codec_type"] == "video"]
    assert video and float(probe["format"]["duration"]) > 0
    with ctx.ws.store.read() as session:
        from inspector_app.store import audit_log

        entries = [e for e in audit_log.entries(session) if e["action"] == "capture"]
    assert entries and entries[-1]["subject"] == f"evidence:{captured.sha256}"


def test_recording_while_locked_is_imported_at_unlock(qtbot, recording_app):
    ctx, window, feeder = recording_app
    assert ctx.session.officer is None
    _record(qtbot, ctx, feeder, frames=12)
    assert len(ingest.pending(ctx.ws.data_dir)) == 1  # kept until someone can open the vault
    unlock_by_keyboard(qtbot, ctx, window)
    qtbot.waitUntil(lambda: len(ctx.capture.last_imported) == 1, timeout=30000)
    idle(qtbot, ctx)
    assert ingest.pending(ctx.ws.data_dir) == []
    assert ctx.capture.last_imported[0].sha256 in {r.sha256 for r in services.evidence_rows(ctx.ws, unassigned=True)}


def test_without_a_camera_the_app_says_so(qtbot, app_window):
    ctx, window = app_window
    if ctx.capture.has_camera():
        pytest.skip("this machine has a camera")
    unlock_by_keyboard(qtbot, ctx, window)
    messages = []
    ctx.capture.message.connect(messages.append)
    press(qtbot, Qt.Key.Key_R, CTRL_SHIFT)
    assert not ctx.capture.recording
    assert messages and "未检测到摄像头" in messages[-1]
    press(qtbot, Qt.Key.Key_C, CTRL_SHIFT)
    camera = active_dialog("cameraWindow")
    assert camera is not None and camera.findChild(type(camera.status), "noCamera").isVisible()
    assert not camera.record.isEnabled() and not camera.photo.isEnabled()
    camera.reject()
    # import still works
    window.show_page("evidence")
    assert window.evidence.buttons["importFolder"].isEnabled()
