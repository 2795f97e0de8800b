"""Signing: every officer of the inspection enters their own passphrase in turn.

records.sign_inspection runs in a worker and asks for each passphrase through a callable; the
callable asks the GUI thread to show a dialog and waits for the answer. It first checks the
passphrase (officers.unlock, in the worker), so a typing mistake shows the key slot's message and
asks that officer again, without making the other officer type theirs again.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout

from inspector_app.domain.messages import InspectorError

from . import services
from .i18n import define, tr
from .operations import Cancelled
from .widgets import buddy, note, title

TITLE = define("ui.sign.title", "签名", "Sign")
WHO = define("ui.sign.who", "请 {name}（证号 {cert}）签名", "{name} (certificate {cert}), please sign")
EXPLAIN = define(
    "ui.sign.explain",
    "请本人输入口令。签名后本次检查记录即不能再修改，如需更正须另行制作更正记录。",
    "Enter your own passphrase. Once signed, this inspection record can no longer change; a correction is a new "
    "amending record.",
)
PASSPHRASE = define("ui.sign.passphrase", "口令(&P)", "&Passphrase")
OK = define("ui.sign.ok", "签名", "Sign")
CANCEL = define("ui.sign.cancel", "取消", "Cancel")
CHECKING = define("ui.sign.checking", "正在核对口令…", "Checking the passphrase…")
SIGNING = define("ui.sign.signing", "正在签名…", "Signing…")


class PassphraseDialog(QDialog):
    def __init__(self, cert: str, name: str, error: str | None, parent=None):
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.cert = cert
        self.setWindowTitle(tr(TITLE))
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(WHO, name=name, cert=cert)))
        layout.addWidget(note(tr(EXPLAIN)))
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("signPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(buddy(tr(PASSPHRASE), self.passphrase))
        layout.addWidget(self.passphrase)
        self.error = note(error or "", "warning")
        self.error.setVisible(bool(error))
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        ok = QPushButton(tr(OK))
        ok.setObjectName("signOk")
        ok.setDefault(True)
        ok.clicked.connect(self.accept)
        cancel = QPushButton(tr(CANCEL))
        cancel.setObjectName("signCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        row.addWidget(ok)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.resize(480, 260)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)


class SignFlow(QObject):
    signed = Signal(str)
    _ask = Signal(str, str, str)  # cert, name, error (worker -> GUI)

    def __init__(self, ctx, state, parent_widget):
        super().__init__(parent_widget)
        self.ctx = ctx
        self.state = state
        self.parent_widget = parent_widget
        self.names = {o.cert: o.name for o in state.inspectors}
        self._answer: str | None = None
        self._answered = threading.Event()
        self.dialog: PassphraseDialog | None = None
        self.op = None
        self._ask.connect(self._show_dialog, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        ws, iid = self.ctx.ws, self.state.id
        self.op = self.ctx.ops.run(lambda op: services.sign(ws, iid, lambda cert: self._passphrase(op, cert)),
                                   kind="read", on_done=self._done, on_error=self._failed, label="sign")

    # --- in the worker ---
    def _passphrase(self, op, cert: str) -> str:
        error = ""
        while True:
            self._answered.clear()
            self._ask.emit(cert, self.names.get(cert, cert), error)
            while not self._answered.wait(0.1):
                op.check()
            if self._answer is None:
                op.cancel()
                raise Cancelled()
            try:
                services.unlock(self.ctx.ws, cert, self._answer)
            except InspectorError as exc:
                error = self.ctx.errors.text_for(exc)
                continue
            return self._answer

    # --- on the GUI thread ---
    @Slot(str, str, str)
    def _show_dialog(self, cert: str, name: str, error: str) -> None:
        self.dialog = PassphraseDialog(cert, name, error or None, self.parent_widget)
        self.dialog.finished.connect(self._dialog_done)
        self.dialog.open()

    def _dialog_done(self, code: int) -> None:
        dialog, self.dialog = self.dialog, None
        self._answer = dialog.passphrase.text() if code == QDialog.DialogCode.Accepted else None
        dialog.passphrase.clear()
        dialog.deleteLater()
        self._answered.set()

    def _done(self, record_hash: str) -> None:
        self.signed.emit(record_hash)

    def _failed(self, exc) -> None:
        self.ctx.errors(exc)
