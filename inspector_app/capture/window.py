"""The camera window: a viewfinder, take a photo (Space), start and stop a recording (R)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout

from inspector_app.ui.i18n import define, tr
from inspector_app.ui.qtcompat import disconnect
from inspector_app.ui.widgets import note, title

from .service import NO_CAMERA

TITLE = define("ui.camera.title", "摄像头", "Camera")
PHOTO = define("ui.camera.photo", "拍照 (空格)", "Photo (Space)")
RECORD = define("ui.camera.record", "开始录像 (R)", "Record (R)")
STOP = define("ui.camera.stop", "停止录像 (R)", "Stop (R)")
CLOSE = define("ui.close", "关闭", "Close")
HINT = define(
    "ui.camera.hint",
    "拍摄的照片和录像直接加入证据库（未关联），之后可在“证据”中附到检查和隐患。",
    "Photos and recordings go straight into the vault (not yet attached); attach them under Evidence later.",
)


class CameraWindow(QDialog):
    def __init__(self, service, parent=None):
        super().__init__(parent)
        self.service = service
        self.setObjectName("cameraWindow")
        self.setWindowTitle(tr(TITLE))
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        self.status = note(tr(HINT))
        self.status.setObjectName("cameraStatus")
        layout.addWidget(self.status)
        self.video = None
        available = service.can_capture()
        if available:
            from PySide6.QtMultimediaWidgets import QVideoWidget

            self.video = QVideoWidget()
            self.video.setObjectName("viewfinder")
            self.video.setMinimumSize(480, 320)
            layout.addWidget(self.video, 1)
            service.attach_viewfinder(self.video)
        else:
            missing = note(tr(NO_CAMERA), "warning")
            missing.setObjectName("noCamera")
            layout.addWidget(missing, 1)
        row = QHBoxLayout()
        self.photo = QPushButton(tr(PHOTO))
        self.photo.setObjectName("takePhoto")
        self.photo.clicked.connect(service.take_photo)
        self.record = QPushButton(tr(RECORD))
        self.record.setObjectName("recordButton")
        self.record.clicked.connect(self._toggle)
        close = QPushButton(tr(CLOSE))
        close.setObjectName("closeCamera")
        close.clicked.connect(self.reject)
        for b in (self.photo, self.record, close):
            b.setAutoDefault(False)
            row.addWidget(b)
        self.photo.setEnabled(available and service.frame_input is None)
        self.record.setEnabled(available)
        layout.addLayout(row)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=lambda: self.photo.isEnabled() and service.take_photo())
        QShortcut(QKeySequence(Qt.Key.Key_R), self, activated=lambda: self.record.isEnabled() and self._toggle())
        service.recording_changed.connect(self._recording)
        service.message.connect(self._message)
        self._recording(service.recording)
        self.resize(760, 600)

    def _toggle(self) -> None:
        if self.service.recording:
            self.service.stop_recording()
        else:
            self.service.start_recording("camera")

    def _recording(self, on: bool) -> None:
        self.record.setText(tr(STOP) if on else tr(RECORD))

    def _message(self, text: str) -> None:
        self.status.setText(text)

    def done(self, code: int) -> None:
        disconnect(self.service.recording_changed, self._recording)
        disconnect(self.service.message, self._message)
        if self.video is not None:
            self.service.detach_viewfinder()
        super().done(code)
