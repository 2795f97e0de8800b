"""The lock screen: choose the officer, enter the passphrase. Unlocking (Argon2id) runs off the GUI
thread; a wrong passphrase shows the key slot's message and leaves the officer on this screen."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QFrame, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from inspector_app.domain.messages import InspectorError

from .i18n import define, tr
from .widgets import buddy, note, title

TITLE = define("ui.unlock.title", "执法检查 · 解锁", "Inspection · Unlock")
INTRO = define(
    "ui.unlock.intro",
    "请选择执法人员并输入本人口令。口令只用于在本机解开您的签名密钥和证据库，不会保存。",
    "Choose the officer and enter their own passphrase. It only unlocks your signing key and the evidence vault "
    "on this laptop and is never stored.",
)
OFFICER = define("ui.unlock.officer", "执法人员(&O)", "&Officer")
PASSPHRASE = define("ui.unlock.passphrase", "口令(&P)", "&Passphrase")
UNLOCK = define("ui.unlock.button", "解锁(&U)", "&Unlock")
BUSY = define("ui.unlock.busy", "正在解锁，请稍候…", "Unlocking, please wait…")
IDLE_LOCKED = define(
    "ui.unlock.idle",
    "因长时间无操作已自动锁定，未保存的内容均已自动保存。",
    "Locked after a period of inactivity; everything was saved automatically.",
)
NO_OFFICERS = define(
    "ui.unlock.no_officers",
    "本机尚未登记执法人员。请由管理员用命令 inspector officer add 登记（演示：inspector demo）。",
    "No officer is registered on this laptop. An administrator registers one with inspector officer add "
    "(for a demo: inspector demo).",
)
OFFICER_ITEM = define("ui.unlock.officer_item", "{name}（证号 {cert}）", "{name} (certificate {cert})")
OPENING = define("ui.unlock.opening", "正在打开数据文件夹…", "Opening the data folder…")


class LockPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("lockPage")
        self._op = None
        self._pending = False  # Enter pressed before the data folder was open
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(560)
        box = QVBoxLayout(card)
        box.addWidget(title(tr(TITLE)))
        box.addWidget(note(tr(INTRO)))
        self.idle_note = note(tr(IDLE_LOCKED), "ok")
        self.idle_note.hide()
        box.addWidget(self.idle_note)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.officer = QComboBox()
        self.officer.setObjectName("officerCombo")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.unlock)
        form.addRow(buddy(tr(OFFICER), self.officer), self.officer)
        form.addRow(buddy(tr(PASSPHRASE), self.passphrase), self.passphrase)
        box.addLayout(form)
        self.error = note("", "warning")
        self.error.setObjectName("warning")
        self.error.hide()
        box.addWidget(self.error)
        self.busy = note(tr(BUSY))
        self.busy.hide()
        box.addWidget(self.busy)
        row = QHBoxLayout()
        row.addStretch(1)
        self.button = QPushButton(tr(UNLOCK))
        self.button.setObjectName("unlockButton")
        self.button.setDefault(True)
        self.button.clicked.connect(self.unlock)
        row.addWidget(self.button)
        box.addLayout(row)
        h = QHBoxLayout()
        h.addStretch(1)
        h.addWidget(card, 3)
        h.addStretch(1)
        outer.addLayout(h)
        outer.addStretch(2)
        self.reload()

    def reload(self, select_next: bool = False) -> None:
        current = self.officer.currentData()
        self.officer.clear()
        if self.ctx.ws is None:  # app.py is still opening the data folder
            self.officer.addItem(tr(OPENING), None)
            self.button.setEnabled(False)
            return
        from . import services

        officers = services.officers_list(self.ctx.ws)
        for o in officers:
            self.officer.addItem(tr(OFFICER_ITEM, name=o.name, cert=o.cert), o.cert)
        if not officers:
            self._show_error(tr(NO_OFFICERS))
            self.button.setEnabled(False)
            return
        self.button.setEnabled(True)
        index = max(0, self.officer.findData(current)) if current else 0
        if select_next and current:
            index = (self.officer.findData(current) + 1) % len(officers)
        self.officer.setCurrentIndex(index)
        if self._pending:
            self._pending = False
            self.unlock()

    def prepare(self, *, idle: bool = False, switch: bool = False) -> None:
        """Called when the screen is shown: clear the passphrase, focus where typing starts."""
        self.idle_note.setVisible(idle)
        self.passphrase.clear()
        self.error.hide()
        if switch:
            self.reload(select_next=True)
            self.officer.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def unlock(self) -> None:
        if self.ctx.ws is None:
            self._pending = bool(self.passphrase.text())
            self.busy.setVisible(self._pending)
            return
        cert = self.officer.currentData()
        if not cert or (self._op is not None and not self._op.done):
            return
        passphrase = self.passphrase.text()
        self.error.hide()
        self.busy.show()
        self.button.setEnabled(False)
        from . import services

        self._op = self.ctx.ops.run(lambda op: services.unlock(self.ctx.ws, cert, passphrase), kind="read",
                                    on_done=self._unlocked, on_error=self._failed, label="unlock")

    def _unlocked(self, unlocked) -> None:
        self.busy.hide()
        self.button.setEnabled(True)
        self.passphrase.clear()
        self.ctx.session.set_unlocked(unlocked)

    def _failed(self, exc) -> None:
        self.busy.hide()
        self.button.setEnabled(True)
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)  # logged; a plain sentence for the officer
        self._show_error(self.ctx.errors.text_for(exc))
        self.passphrase.selectAll()
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
