"""The camera, the recorder and the one-action quick record, built once by app.py.

``toggle_quick_record()`` (Ctrl+Shift+R from any screen) starts recording at once, before any
enterprise is chosen, and stops it; the clip goes into the vault as unassigned evidence with a note
of the container and codecs used. Recording works while the app is locked: the clip waits in the
capture folder and is imported as soon as an officer unlocks (and after a crash, at the next
unlock). Without a camera the app says so plainly; import from files and body cams still works.

The picture comes from the default camera (QCamera), or from a QVideoFrameInput given at
construction (Qt 6.8+), which is how the tests record without a camera.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from inspector_app.ui.i18n import define, tr

from . import ingest

# QtMultimedia (and the FFmpeg libraries it loads) is imported on first use, not at start-up.


def _mm():
    from PySide6 import QtMultimedia

    return QtMultimedia

log = logging.getLogger("inspector.capture")

NO_CAMERA = define(
    "ui.capture.no_camera",
    "未检测到摄像头，无法拍照或录像。仍可从文件夹或执法记录仪导入证据（Ctrl+I）。",
    "No camera was found, so nothing can be photographed or recorded here. Evidence can still be imported from "
    "a folder or a body cam (Ctrl+I).",
)
NO_FORMAT = define(
    "ui.capture.no_format",
    "本机的多媒体组件没有可用的视频编码器，无法录像。",
    "The multimedia component on this laptop has no video encoder, so it cannot record.",
)
RECORDING = define("ui.capture.recording", "● 正在录像 {time}（Ctrl+Shift+R 停止）", "● Recording {time} (Ctrl+Shift+R stops)")
SAVED_LOCKED = define(
    "ui.capture.saved_locked",
    "录像已保存在本机，解锁后自动加入证据库。",
    "The recording is kept on this laptop and goes into the vault as soon as an officer unlocks.",
)
IMPORTED = define(
    "ui.capture.imported",
    "录像已加入证据库（未关联，编码 {codec}）。可在“证据”中附到检查。",
    "The recording is in the vault (not yet attached; codec {codec}). Attach it under Evidence.",
)
PHOTO_IMPORTED = define("ui.capture.photo_imported", "照片已加入证据库（未关联）。", "The photo is in the vault (not yet attached).")
FAILED = define("ui.capture.failed", "录像失败：{reason}", "Recording failed: {reason}")
CAMERA_ERROR = define("ui.capture.camera_error", "摄像头出错：{reason}", "Camera error: {reason}")


class CaptureService(QObject):
    recording_changed = Signal(bool)
    imported = Signal(str)  # sha256 of a clip or photo now in the vault
    message = Signal(str)  # a sentence for the status bar

    def __init__(self, ws, ops, session, *, frame_input=None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.ops = ops
        self.session = session
        self.frame_input = frame_input
        self.work_dir = ingest.capture_dir(ws.data_dir)
        self.capture_session = None
        self.camera = None
        self.recorder = None
        self.image_capture = None
        self.audio_input = None
        self.choice = None
        self.started_at: datetime | None = None
        self.source = "quick-record"
        self._path: Path | None = None
        self._viewers = 0
        self._importing: set[str] = set()
        self.last_imported: list = []
        self.elapsed = QTimer(self)
        self.elapsed.setInterval(1000)
        self.elapsed.timeout.connect(self._tick)
        session.changed.connect(lambda unlocked: unlocked is not None and self.import_pending())

    # --- what is there ---
    def has_camera(self) -> bool:
        return bool(_mm().QMediaDevices.videoInputs())

    def can_capture(self) -> bool:
        return self.frame_input is not None or self.has_camera()

    @property
    def recording(self) -> bool:
        return self.recorder is not None and \
            self.recorder.recorderState() == _mm().QMediaRecorder.RecorderState.RecordingState

    def _ensure_session(self) -> bool:
        if self.capture_session is not None:
            return True
        if not self.can_capture():
            return False
        mm = _mm()
        QMediaDevices = mm.QMediaDevices
        self.capture_session = mm.QMediaCaptureSession(self)
        if self.frame_input is not None:
            self.capture_session.setVideoFrameInput(self.frame_input)
        else:
            self.camera = mm.QCamera(QMediaDevices.defaultVideoInput(), self)
            self.camera.errorOccurred.connect(lambda _e, text: self.message.emit(tr(CAMERA_ERROR, reason=text)))
            self.capture_session.setCamera(self.camera)
            self.image_capture = mm.QImageCapture(self)
            self.image_capture.imageSaved.connect(self._photo_saved)
            self.image_capture.errorOccurred.connect(lambda _i, _e, text: self.message.emit(tr(CAMERA_ERROR, reason=text)))
            self.capture_session.setImageCapture(self.image_capture)
        if QMediaDevices.audioInputs():
            self.audio_input = mm.QAudioInput(self)
            self.capture_session.setAudioInput(self.audio_input)
        self.recorder = mm.QMediaRecorder(self)
        self.capture_session.setRecorder(self.recorder)
        self.recorder.recorderStateChanged.connect(self._state_changed)
        self.recorder.errorOccurred.connect(self._recorder_error)
        return True

    def camera_description(self) -> str:
        if self.frame_input is not None:
            return "QVideoFrameInput"
        return _mm().QMediaDevices.defaultVideoInput().description()

    # --- the viewfinder (camera window) ---
    def attach_viewfinder(self, video_widget) -> bool:
        if not self._ensure_session():
            return False
        self.capture_session.setVideoOutput(video_widget)
        self._viewers += 1
        if self.camera is not None:
            self.camera.start()
        return True

    def detach_viewfinder(self) -> None:
        self._viewers = max(0, self._viewers - 1)
        if self.capture_session is not None:
            self.capture_session.setVideoOutput(None)
        if self._viewers == 0 and not self.recording and self.camera is not None:
            self.camera.stop()

    # --- recording ---
    def toggle_quick_record(self) -> bool:
        if self.recording:
            self.stop_recording()
            return False
        return self.start_recording("quick-record")

    def start_recording(self, source: str = "quick-record") -> bool:
        if self.recording:
            return True
        if not self._ensure_session():
            self.message.emit(tr(NO_CAMERA))
            return False
        from . import formats

        self.choice = formats.choose(with_audio=self.audio_input is not None)
        if self.choice is None:
            self.message.emit(tr(NO_FORMAT))
            return False
        if self.camera is not None:
            self.camera.start()
        self.source = source
        self.started_at = datetime.now().astimezone()
        self._path = self.work_dir / f"{source}-{self.started_at:%Y%m%d-%H%M%S}{self.choice.suffix}"
        self.recorder.setMediaFormat(self.choice.media_format)
        self.recorder.setQuality(_mm().QMediaRecorder.Quality.NormalQuality)
        self.recorder.setOutputLocation(QUrl.fromLocalFile(str(self._path)))
        self.recorder.record()
        return True

    def stop_recording(self) -> None:
        if self.recorder is not None and \
                self.recorder.recorderState() != _mm().QMediaRecorder.RecorderState.StoppedState:
            self.recorder.stop()

    def _state_changed(self, state) -> None:
        QMediaRecorder = _mm().QMediaRecorder
        recording = state == QMediaRecorder.RecorderState.RecordingState
        if recording:
            self.elapsed.start()
            self._tick()
        else:
            self.elapsed.stop()
        self.recording_changed.emit(recording)
        if state == QMediaRecorder.RecorderState.StoppedState and self.started_at is not None:
            self._finished()

    def _tick(self) -> None:
        if self.started_at is None:
            return
        seconds = int((datetime.now().astimezone() - self.started_at).total_seconds())
        self.message.emit(tr(RECORDING, time=f"{seconds // 60:02d}:{seconds % 60:02d}"))

    def _finished(self) -> None:
        location = self.recorder.actualLocation().toLocalFile() or (str(self._path) if self._path else "")
        started, self.started_at = self.started_at, None
        if self.camera is not None and self._viewers == 0:
            self.camera.stop()
        path = Path(location)
        if not location or not path.is_file() or path.stat().st_size == 0:
            return
        note = {"source": self.source, "device": self.camera_description(),
                "started_at": started.isoformat(timespec="seconds"),
                "stopped_at": datetime.now().astimezone().isoformat(timespec="seconds"), **self.choice.note()}
        ingest.write_note(path, note)
        self.import_pending()

    def _recorder_error(self, _error, text: str) -> None:
        log.warning("recorder error: %s", text)
        self.message.emit(tr(FAILED, reason=text))

    # --- photos ---
    def take_photo(self) -> bool:
        if not self._ensure_session() or self.image_capture is None:
            self.message.emit(tr(NO_CAMERA))
            return False
        stamp = datetime.now().astimezone()
        path = self.work_dir / f"photo-{stamp:%Y%m%d-%H%M%S-%f}.jpg"
        ingest.write_note(path, {"source": "camera-photo", "device": self.camera_description(),
                                 "captured_at": stamp.isoformat(timespec="seconds")})
        self.image_capture.captureToFile(str(path))
        return True

    def _photo_saved(self, _id: int, file_name: str) -> None:
        self.import_pending()

    # --- into the vault ---
    def import_pending(self) -> None:
        officer = self.session.officer
        files = [p for p in ingest.pending(self.ws.data_dir)
                 if str(p) not in self._importing and not (self.recording and self._path and p == self._path)]
        if not files:
            return
        if officer is None:
            self.message.emit(tr(SAVED_LOCKED))
            return
        ws = self.ws
        for path in files:
            self._importing.add(str(path))
            self.ops.run(lambda op, path=path: ingest.ingest(ws, officer, path), kind="write",
                         on_done=lambda captured, path=path: self._imported(path, captured),
                         on_error=lambda exc, path=path: self._import_failed(path, exc), label="capture import")

    def _imported(self, path: Path, captured) -> None:
        self._importing.discard(str(path))
        self.last_imported.append(captured)
        if captured.kind == "photo":
            self.message.emit(tr(PHOTO_IMPORTED))
        else:
            self.message.emit(tr(IMPORTED, codec=captured.note.get("video_codec") or "?"))
        self.imported.emit(captured.sha256)

    def _import_failed(self, path: Path, exc) -> None:
        self._importing.discard(str(path))
        self.ops._default_error(exc)

    # --- the camera window ---
    def open_camera_window(self, parent=None):
        from .window import CameraWindow

        window = CameraWindow(self, parent)
        window.open()
        return window

    def shutdown(self) -> None:
        """On quit: finish a recording so the clip is complete on disk (imported at next unlock)."""
        if self.recording:
            self.recorder.stop()
        if self.camera is not None:
            self.camera.stop()
