"""Home: what needs attention now. Open inspections (drafts), hazards whose rectification deadline
is near or past (domain deadline_state; late entries flagged by the one-month rule), evidence not
attached to anything yet (quick recordings), and the sync state."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGridLayout, QGroupBox, QListWidget, QListWidgetItem, QVBoxLayout, QWidget,
)

from . import services
from .i18n import define, tr
from .widgets import note, title

TITLE = define("ui.home.title", "首页", "Home")
LOADING = define("ui.home.loading", "正在载入…", "Loading…")
DRAFTS = define("ui.home.drafts", "检查任务与未完成的检查(&D)", "Tasks and open inspections (&drafts)")
DEADLINES = define("ui.home.deadlines", "整改期限临近或已过(&H)", "&Hazards with deadlines near or past")
UNASSIGNED = define("ui.home.unassigned", "尚未关联的证据(&V)", "E&vidence not yet attached")
SYNC = define("ui.home.sync", "同步", "Sync")
SYNC_STATE = define(
    "ui.home.sync_state",
    "未注册到县局服务器，所有数据只保存在本机。",
    "Not enrolled with a county server; all data stays on this laptop.",
)
SYNC_SERVER = define(
    "ui.home.sync_server",
    "已设置服务器 {url}；同步状态见首页的同步栏。",
    "Server {url} is set; see the sync panel on the home page.",
)
PLAN_ITEM = define("ui.home.plan_item", "【检查任务】{name}{title} · 期限 {due} · 执法人员 {inspectors}（回车新建检查）",
                   "[Task] {name}{title} · due {due} · officers {inspectors} (Enter starts it)")
NO_DRAFTS = define("ui.home.no_drafts", "没有未完成的检查。按 Ctrl+N 新建检查。", "No open inspection. Press Ctrl+N to start one.")
NO_DEADLINES = define("ui.home.no_deadlines", "没有临近或已过整改期限的隐患。", "No hazard has a deadline near or past.")
NO_UNASSIGNED = define("ui.home.no_unassigned", "所有证据都已关联到检查。", "All evidence is attached to an inspection.")
DRAFT_ITEM = define(
    "ui.home.draft_item",
    "{name}\n{date} 开始 · 已检查 {checked}/{total} 项 · 隐患 {findings} 项",
    "{name}\nstarted {date} · {checked} of {total} items checked · findings: {findings}",
)
DRAFT_LATE = define(
    "ui.home.draft_late",
    "{name}\n{date} 开始 · 已检查 {checked}/{total} 项 · 隐患 {findings} 项 · 检查已超过一个月，隐患须在一个月内录入",
    "{name}\nstarted {date} · {checked} of {total} items checked · findings: {findings} · over a month since the "
    "check: hazards must be entered within a month",
)
OVERDUE_ITEM = define(
    "ui.home.overdue_item",
    "已逾期 {days} 天（期限 {deadline}）· {name}\n{item}：{description}",
    "{days} days overdue (deadline {deadline}) · {name}\n{item}: {description}",
)
SOON_ITEM = define(
    "ui.home.soon_item",
    "{days} 天后到期（期限 {deadline}）· {name}\n{item}：{description}",
    "Due in {days} days (deadline {deadline}) · {name}\n{item}: {description}",
)
LATE_ENTRY = define("ui.home.late_entry", "（录入晚于检查一个月）", " (entered more than a month after the check)")
MORE_DEADLINES = define("ui.home.more_deadlines", "另有 {count} 项未列出。", "{count} more not listed.")
EVIDENCE_ITEM = define("ui.home.evidence_item", "{kind} · {time} · {name}", "{kind} · {time} · {name}")
KIND_PHOTO = define("ui.kind.photo", "照片", "Photo")
KIND_VIDEO = define("ui.kind.video", "视频", "Video")
KIND_AUDIO = define("ui.kind.audio", "录音", "Audio")
KINDS = {"photo": KIND_PHOTO, "video": KIND_VIDEO, "audio": KIND_AUDIO}


def kind_text(kind: str) -> str:
    return tr(KINDS[kind]) if kind in KINDS else kind


class HomePage(QWidget):
    def __init__(self, ctx, nav, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.nav = nav
        self.setObjectName("homePage")
        self._op = None
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        self.status = note(tr(LOADING))
        layout.addWidget(self.status)
        grid = QGridLayout()
        self.drafts = self._list("draftsList")
        self.deadlines = self._list("deadlinesList")
        self.unassigned = self._list("unassignedList")
        self.more = note("")
        grid.addWidget(self._group(tr(DRAFTS), self.drafts), 0, 0)
        grid.addWidget(self._group(tr(DEADLINES), self.deadlines, self.more), 0, 1)
        grid.addWidget(self._group(tr(UNASSIGNED), self.unassigned), 1, 0)
        from .sync import SyncPanel

        self.sync_controller = ctx.extra.get("sync")
        if self.sync_controller is not None:
            self.sync = SyncPanel(ctx, self.sync_controller)
        else:  # a HomePage built without the main window (no controller): the queue is not shown
            self.sync = note(tr(SYNC_STATE))
            self.sync.setObjectName("syncState")
        grid.addWidget(self._group(tr(SYNC), self.sync), 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout.addLayout(grid, 1)
        self.drafts.itemActivated.connect(self._open_inspection)
        self.deadlines.itemActivated.connect(self._open_inspection)
        self.unassigned.itemActivated.connect(self._open_evidence)

    def _open_inspection(self, item) -> None:
        task = item.data(Qt.ItemDataRole.UserRole + 1)
        if task:
            self.nav.new_inspection.emit(task)
            return
        value = item.data(Qt.ItemDataRole.UserRole)
        if value:
            self.nav.open_inspection.emit(value)

    def _open_evidence(self, item) -> None:
        if item.data(Qt.ItemDataRole.UserRole):
            self.nav.show_page.emit("evidence")

    def _list(self, name: str) -> QListWidget:
        w = QListWidget()
        w.setObjectName(name)
        w.setWordWrap(True)
        w.setTextElideMode(Qt.TextElideMode.ElideNone)
        w.setSpacing(3)
        return w

    def _group(self, text: str, *widgets) -> QGroupBox:
        box = QGroupBox(text)
        lay = QVBoxLayout(box)
        for w in widgets:
            lay.addWidget(w)
        if len(widgets) == 1 and isinstance(widgets[0], QListWidget):
            # the group's &-mnemonic focuses its list
            box.setFocusProxy(widgets[0])
        return box

    def refresh(self) -> None:
        if self._op is not None and not self._op.done:
            return
        today = self.ctx.today()
        ws = self.ctx.ws
        self._op = self.ctx.ops.run(lambda op: (services.home_summary(ws, today), services.setting(ws, "server_url")),
                                    on_done=self._show, label="home")
        if self.sync_controller is not None:
            self.sync_controller.refresh()

    def _show(self, result) -> None:
        summary, server = result
        self.status.hide()
        self.drafts.clear()
        for p in summary.plan:  # the county's tasks for this device's officers come first
            item = QListWidgetItem(tr(PLAN_ITEM, name=p.enterprise_name, title=f"（{p.title}）" if p.title else "",
                                      due=p.due or "—", inspectors="、".join(p.inspectors)))
            item.setData(Qt.ItemDataRole.UserRole + 1, p.enterprise_code)
            item.setForeground(QBrush(QColor("#0b57d0")))
            self.drafts.addItem(item)
        for d in summary.drafts:
            code = DRAFT_LATE if d.entry_overdue else DRAFT_ITEM
            item = QListWidgetItem(tr(code, name=d.enterprise_name, date=d.started_at[:10], checked=d.checked,
                                      total=d.total, findings=d.findings))
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            if d.entry_overdue:
                item.setForeground(QBrush(QColor("#b3261e")))
            self.drafts.addItem(item)
        if not summary.drafts and not summary.plan:
            self._empty(self.drafts, tr(NO_DRAFTS))
        else:
            self.drafts.setCurrentRow(0)
        self.deadlines.clear()
        for f in summary.deadlines:
            code = OVERDUE_ITEM if f.status == "overdue" else SOON_ITEM
            text = tr(code, days=abs(f.days_left), deadline=f.deadline.isoformat(), name=f.enterprise_name,
                      item=f.item_id, description=f.description)
            if f.entered_late:
                text += tr(LATE_ENTRY)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, f.inspection_id)
            if f.status == "overdue":
                item.setForeground(QBrush(QColor("#b3261e")))
            self.deadlines.addItem(item)
        if not summary.deadlines:
            self._empty(self.deadlines, tr(NO_DEADLINES))
        hidden = summary.deadlines_total - len(summary.deadlines)
        self.more.setText(tr(MORE_DEADLINES, count=hidden) if hidden > 0 else "")
        self.more.setVisible(hidden > 0)
        self.unassigned.clear()
        for e in summary.unassigned:
            item = QListWidgetItem(tr(EVIDENCE_ITEM, kind=kind_text(e.kind), time=e.captured_at[:16].replace("T", " "),
                                      name=e.original_name))
            item.setData(Qt.ItemDataRole.UserRole, e.sha256)
            self.unassigned.addItem(item)
        if not summary.unassigned:
            self._empty(self.unassigned, tr(NO_UNASSIGNED))
        if self.sync_controller is None:
            self.sync.setText(tr(SYNC_SERVER, url=server) if server else tr(SYNC_STATE))

    def _empty(self, widget: QListWidget, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        widget.addItem(item)
