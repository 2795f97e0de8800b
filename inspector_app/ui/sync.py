"""Sync in the app: the home page's panel and the controller that runs passes.

``SyncController`` runs one pass of sync/client (``services.sync_pass``, as `inspector sync` does)
off the GUI thread through ui/operations.py: on 立即同步 (the ``sync.now`` shortcut), every
``interval_ms`` (5 minutes) while an officer is unlocked and the device is enrolled, and shortly
after each signing. The pass needs the unlocked officer's vault key to read evidence, so nothing
runs while locked, and locking cancels a pass under way. An error (server down, revoked) becomes
the panel's state, in the officer's language; it is never a traceback.

``SyncPanel`` shows the queue (services.sync_status): counts of synced / pending / failed items,
each failed item with its reason's text from the catalogue, the last sync time, and the action.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from . import services
from .i18n import define, language, tr

DEFAULT_INTERVAL_MS = 5 * 60 * 1000
AFTER_SIGNING_MS = 1500

NOT_CONFIGURED = define(
    "ui.sync.not_configured",
    "未注册到县局服务器，所有数据只保存在本机。请在“设置”中填写服务器地址并用注册码注册本机。",
    "Not enrolled with a county server; all data stays on this laptop. Enter the server address in Settings "
    "and enrol this device with its code.",
)
ENROLLED = define("ui.sync.enrolled", "服务器：{url}（本机：{device}）", "Server: {url} (this device: {device})")
COUNTS = define("ui.sync.counts", "已同步 {synced} · 待同步 {pending} · 失败 {failed}",
                "Synced {synced} · pending {pending} · failed {failed}")
LAST_OK = define("ui.sync.last_ok", "上次同步：{time}，成功。", "Last sync: {time}, completed.")
LAST_PARTIAL = define("ui.sync.last_partial", "上次同步：{time}，尚有未完成的项目。", "Last sync: {time}, some items not done.")
LAST_ERROR = define("ui.sync.last_error", "上次同步：{time}，中断：{reason}", "Last sync: {time}, stopped: {reason}")
NEVER = define("ui.sync.never", "尚未同步过。", "Not synced yet.")
RUNNING = define("ui.sync.running", "正在同步…", "Syncing…")
RUNNING_ITEM = define("ui.sync.running_item", "正在同步{kind} {key}…", "Syncing {kind} {key}…")
LOCKED = define("ui.sync.locked", "解锁后才能同步（读取证据需要执法人员的密钥）。",
                "Unlock to sync (reading evidence needs an officer's key).")
NOW = define("ui.sync.now", "立即同步(&S) ({keys})", "&Sync now ({keys})")
KIND_RECORD = define("ui.sync.kind_record", "检查记录", "record")
KIND_EVIDENCE = define("ui.sync.kind_evidence", "证据", "evidence")
FAILED_ITEM = define("ui.sync.failed_item", "失败 · {kind} {key}…：{reason}", "Failed · {kind} {key}…: {reason}")
PENDING_ITEM = define("ui.sync.pending_item", "待同步 · {kind} {key}…：{reason}", "Pending · {kind} {key}…: {reason}")
ALL_SYNCED = define("ui.sync.all_synced", "全部已同步。", "Everything is synced.")
NOTHING = define("ui.sync.nothing", "还没有已签名的记录需要同步。", "No signed record to sync yet.")


def _kind(kind: str) -> str:
    return tr(KIND_RECORD) if kind == "record" else tr(KIND_EVIDENCE)


def _reason(zh: str | None, en: str | None, code: str | None) -> str:
    text = (zh if language() == "zh" else en) or zh or en or code or ""
    return text


def _time(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(iso)[:16].replace("T", " ")


class SyncController(QObject):
    """Runs sync passes for the app; one at a time."""

    status_changed = Signal(object)  # services.SyncStatus
    running_changed = Signal(bool)
    progressed = Signal(object)
    finished = Signal(object)  # the pass's summary dict, or the InspectorError that stopped it

    def __init__(self, ctx, nav=None, *, interval_ms: int = DEFAULT_INTERVAL_MS, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.nav = nav
        self.op = None
        self.status: services.SyncStatus | None = None
        self.last_result = None
        self.last_error = None
        self._status_op = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run_background)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(AFTER_SIGNING_MS)
        self._soon.timeout.connect(self.run_background)
        ctx.session.changed.connect(self._session_changed)
        if nav is not None:
            nav.signed.connect(lambda _hash: self.after_signing())
        self._session_changed(ctx.session.officer)

    @property
    def running(self) -> bool:
        return self.op is not None and not self.op.done

    @property
    def enrolled(self) -> bool:
        return bool(self.status and self.status.enrolled)

    # --- state ---
    def refresh(self) -> None:
        """Read the queue's state in a worker; status_changed when it is in."""
        if self._status_op is not None and not self._status_op.done:
            return
        ws = self.ctx.ws
        self._status_op = self.ctx.ops.run(lambda op: services.sync_status(ws), on_done=self._status_in,
                                           on_error=lambda exc: None, label="sync-status")

    def _status_in(self, status) -> None:
        self.status = status
        self._schedule()
        self.status_changed.emit(status)

    def _session_changed(self, unlocked) -> None:
        if unlocked is None:
            self.timer.stop()
            self._soon.stop()
            if self.running:
                self.op.cancel()
        else:
            self.refresh()

    def _schedule(self) -> None:
        if self.ctx.session.officer is not None and self.enrolled:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()

    # --- passes ---
    def after_signing(self) -> None:
        if self.enrolled and self.ctx.session.officer is not None:
            self._soon.start()
        else:
            self.refresh()

    def run_background(self) -> None:
        if self.enrolled:
            self.run_now()

    def run_now(self) -> bool:
        """One pass now (立即同步). False when it cannot start (locked, or one is running)."""
        unlocked = self.ctx.session.officer
        if unlocked is None or self.running:
            return False
        ws = self.ctx.ws
        self.running_changed.emit(True)
        self.op = self.ctx.ops.run(lambda op: services.sync_pass(ws, unlocked, op=op), kind="read",
                                   on_done=self._done, on_error=self._failed, on_progress=self.progressed.emit,
                                   label="sync")
        self.op.finished.connect(self._op_finished)
        return True

    def _done(self, result) -> None:
        self.last_result, self.last_error = result, None
        self.finished.emit(result)

    def _failed(self, exc) -> None:
        # Server down, revoked, not enrolled: state on the panel, not a message box.
        self.last_result, self.last_error = None, exc
        self.finished.emit(exc)

    def _op_finished(self) -> None:
        self.running_changed.emit(False)
        self.refresh()
        if self.nav is not None and self.last_result is not None:
            self.nav.data_changed.emit("enterprises")  # a pass may have pulled the registry


class SyncPanel(QWidget):
    """The home page's sync panel."""

    def __init__(self, ctx, controller: SyncController, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller
        self.setObjectName("syncPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.server = QLabel(tr(NOT_CONFIGURED))
        self.server.setObjectName("syncServer")
        self.server.setWordWrap(True)
        layout.addWidget(self.server)
        self.counts = QLabel("")
        self.counts.setObjectName("syncCounts")
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.last = QLabel("")
        self.last.setObjectName("syncLast")
        self.last.setWordWrap(True)
        layout.addWidget(self.last)
        self.items = QListWidget()
        self.items.setObjectName("syncItems")
        self.items.setWordWrap(True)
        self.items.setTextElideMode(Qt.TextElideMode.ElideNone)
        layout.addWidget(self.items, 1)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.activity = QLabel("")
        self.activity.setObjectName("syncActivity")
        row.addWidget(self.activity, 1)
        row.addWidget(self.progress, 1)
        from .shortcuts import BY_ID
        from PySide6.QtGui import QKeySequence

        native = QKeySequence(BY_ID["sync.now"].keys).toString(QKeySequence.SequenceFormat.NativeText)
        self.now_button = QPushButton(tr(NOW, keys=native))
        self.now_button.setObjectName("syncNow")
        self.now_button.setAutoDefault(False)
        self.now_button.clicked.connect(self.controller.run_now)
        row.addWidget(self.now_button)
        layout.addLayout(row)
        controller.status_changed.connect(self.show_status)
        controller.running_changed.connect(self._running)
        controller.progressed.connect(self._progress)
        controller.finished.connect(lambda _r: self.show_status(controller.status))
        if controller.status is not None:
            self.show_status(controller.status)

    def _running(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.now_button.setEnabled(not on)
        self.activity.setText(tr(RUNNING) if on else "")

    def _progress(self, payload) -> None:
        if not isinstance(payload, dict):
            return
        self.activity.setText(tr(RUNNING_ITEM, kind=_kind(payload.get("kind", "")), key=str(payload.get("key", ""))[:12]))
        size, sent = payload.get("size"), payload.get("sent") or 0
        if size:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(sent, size) / size))
        else:
            self.progress.setRange(0, 0)

    def show_status(self, status) -> None:
        if status is None:
            return
        unlocked = self.ctx.session.officer is not None
        if status.enrolled:
            self.server.setText(tr(ENROLLED, url=status.server_url or "", device=status.device_name or ""))
        else:
            self.server.setText(tr(NOT_CONFIGURED))
        self.counts.setText(tr(COUNTS, **status.counts))
        self.counts.setVisible(status.enrolled or any(status.counts.values()))
        error = self.controller.last_error
        last = status.last
        if last:
            if not last.get("ok") and last.get("code"):
                self.last.setText(tr(LAST_ERROR, time=_time(last["at"]),
                                     reason=_reason(last.get("zh"), last.get("en"), last.get("code"))))
            elif last.get("ok"):
                self.last.setText(tr(LAST_OK, time=_time(last["at"])))
            else:
                self.last.setText(tr(LAST_PARTIAL, time=_time(last["at"])))
        else:
            self.last.setText(tr(NEVER) if status.enrolled else "")
        self.last.setProperty("error", bool(error) or bool(last and last.get("code")))
        self.items.clear()
        for row in status.failed:
            item = QListWidgetItem(tr(FAILED_ITEM, kind=_kind(row.kind), key=row.key[:12],
                                      reason=_reason(row.message_zh, row.message_en, row.reason)))
            item.setForeground(QBrush(QColor("#b3261e")))
            item.setData(Qt.ItemDataRole.UserRole, row.key)
            self.items.addItem(item)
        for row in status.pending:
            item = QListWidgetItem(tr(PENDING_ITEM, kind=_kind(row.kind), key=row.key[:12],
                                      reason=_reason(row.message_zh, row.message_en, row.reason)))
            self.items.addItem(item)
        if self.items.count() == 0:
            text = tr(ALL_SYNCED) if status.counts.get("synced") and not status.counts.get("pending") else (
                tr(NOTHING) if not any(status.counts.values()) else "")
            if text:
                empty = QListWidgetItem(text)
                empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.items.addItem(empty)
        if not unlocked:
            self.activity.setText(tr(LOCKED))
        self.now_button.setEnabled(status.enrolled and unlocked and not self.controller.running)
