"""An inspection, start to finish: choose the enterprise and the officers, adjust the items in scope,
walk the checklist one key per result, record findings, sign, print.

Every edit goes to the store at once through the writer (ui/operations.py, kind "write"), in the
order it was made; the window keeps no unsaved state. The finding editor autosaves what is typed as
a draft, so closing the window, a lock or a crash in the middle of a finding loses nothing.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPlainTextEdit, QPushButton, QSplitter, QTableView, QTextBrowser,
    QVBoxLayout, QWidget,
)

from inspector_app.domain import inspection as rules
from inspector_app.domain.messages import InspectorError

from . import labels, services
from .enterprises import EnterpriseSearch
from .i18n import define, error_text, language, tr
from .shortcuts import keys
from .widgets import Debouncer, buddy, note, title

# --- new inspection ---
NEW_TITLE = define("ui.new.title", "新建检查", "New inspection")
NEW_ENTERPRISE = define("ui.new.enterprise", "被检查单位", "Enterprise inspected")
NEW_CHOSEN = define("ui.new.chosen", "已选：{name}", "Chosen: {name}")
NEW_NONE = define("ui.new.none", "尚未选择企业：输入名称后按↓或回车选择。", "No enterprise chosen yet: type its name, then press ↓ or Enter.")
NEW_OFFICERS = define("ui.new.officers", "执法人员（至少两名，空格勾选）(&O)", "&Officers (at least two; Space ticks)")
NEW_CATALOGUES = define("ui.new.catalogues", "检查目录(&C)", "&Catalogues")
NEW_ITEMS = define("ui.new.items", "检查项目(&I)", "Checklist &items")
NEW_ITEMS_HINT = define(
    "ui.new.items_hint",
    "按企业类型自动选出的适用项目。取消勾选的项目在检查记录中记为“不适用”。",
    "The items that apply to this kind of enterprise. Items you untick are recorded as “not applicable”.",
)
NEW_ITEM = define("ui.new.item", "{seq}. {matter}", "{seq}. {matter}")
NEW_ITEM_MAJOR = define("ui.new.item_major", "{seq}. 【重大隐患判定项】{matter}", "{seq}. [major hazard criterion] {matter}")
NEW_COUNT = define("ui.new.count", "共 {count} 项，勾选 {checked} 项", "{count} items, {checked} ticked")
NEW_START = define("ui.new.start", "开始检查 (Ctrl+Enter)", "Start (Ctrl+Enter)")
CANCEL = define("ui.cancel", "取消", "Cancel")
CLOSE = define("ui.close", "关闭", "Close")
OFFICER_ITEM = define("ui.new.officer_item", "{name}（证号 {cert}）", "{name} (certificate {cert})")
NEED_ENTERPRISE = define("ui.new.need_enterprise", "请先选择被检查单位。", "Choose the enterprise first.")

# --- the checklist ---
PAGE_TITLE = define("ui.insp.title", "现场检查", "On-site inspection")
NO_INSPECTION = define(
    "ui.insp.none",
    "没有打开的检查。在首页选择未完成的检查，或按 Ctrl+N 新建检查。",
    "No inspection is open. Choose an open inspection on Home, or press Ctrl+N to start one.",
)
HEADER = define(
    "ui.insp.header",
    "{name}\n检查场所：{place} · 开始时间：{started} · 执法人员：{officers} · {status}",
    "{name}\nPlace: {place} · started {started} · officers: {officers} · {status}",
)
KEYS_HINT = define(
    "ui.insp.keys",
    "在清单中按 1 = 符合，2 = 不符合（登记隐患），3 = 不适用，F = 登记隐患；按 F1 查看全部快捷键。",
    "In the checklist press 1 = compliant, 2 = violation (record the finding), 3 = not applicable, "
    "F = record a finding; F1 lists every shortcut.",
)
CAN_SIGN = define("ui.insp.can_sign", "检查可以签名。", "The inspection can be signed.")
CANNOT_SIGN = define("ui.insp.cannot_sign", "尚不能签名：{reasons}", "Cannot be signed yet: {reasons}")
SIGNED = define("ui.insp.signed", "已签名，记录不能再修改。记录哈希：{hash}", "Signed; the record can no longer change. Record hash: {hash}")
COL_SEQ = define("ui.insp.col.seq", "序号", "No.")
COL_MATTER = define("ui.insp.col.matter", "检查事项", "Item")
COL_RESULT = define("ui.insp.col.result", "结果", "Result")
COL_FINDINGS = define("ui.insp.col.findings", "隐患", "Findings")
MAJOR_MARK = define("ui.insp.major_mark", "【重大隐患判定项】", "[major hazard criterion] ")
DRAFT_MARK = define("ui.insp.draft_mark", "（有未保存完的隐患草稿）", " (unfinished finding draft)")
D_CONTENT = define("ui.insp.d.content", "检查内容", "What is checked")
D_SOURCE = define("ui.insp.d.source", "目录 {catalogue} 第 {seq} 项（{item}）", "Catalogue {catalogue}, row {seq} ({item})")
PROGRESS = define("ui.insp.progress", "已检查 {checked}/{total} 项。", "{checked} of {total} items checked. ")
D_CHECK_BASIS = define("ui.insp.d.check_basis", "检查依据", "Legal basis of the check")
D_ENFORCEMENT = define("ui.insp.d.enforcement", "执法依据", "Legal basis for enforcement")
D_NONE = define("ui.insp.d.none", "（目录未列）", "(none listed in the catalogue)")
D_FINDINGS = define("ui.insp.d.findings", "本项隐患", "Findings of this item")
D_FINDING = define("ui.insp.d.finding", "{grade} · 期限 {deadline} · {description}", "{grade} · deadline {deadline} · {description}")
D_NO_DEADLINE = define("ui.insp.d.no_deadline", "未定", "not set")
D_EVIDENCE = define("ui.insp.d.evidence", "（证据 {count} 件）", " ({count} evidence files)")
D_REPEAT = define("ui.insp.d.repeat", "【屡查屡犯】", "[repeat offence] ")
ADD_FINDING = define("ui.insp.add_finding", "登记隐患 (F)", "Record finding (F)")
SIGN = define("ui.insp.sign", "签名 (Ctrl+Shift+S)", "Sign (Ctrl+Shift+S)")
PRINT = define("ui.insp.print", "文书预览与打印 (Ctrl+P)", "Documents and printing (Ctrl+P)")
QUIZ = define("ui.insp.quiz", "逢查必考 (Ctrl+Shift+Q)", "On-site quiz (Ctrl+Shift+Q)")
CHECKLIST_NAME = define("ui.insp.checklist", "检查清单(&L)", "Check&list")
FINDINGS_NAME = define("ui.insp.findings_name", "本项隐患(&N)", "Fi&ndings of this item")
EDIT_FINDING = define("ui.insp.edit_finding", "修改隐患 (Enter)", "Edit finding (Enter)")
REMOVE_FINDING = define("ui.insp.remove_finding", "删除隐患 (Delete)", "Remove finding (Delete)")
ADD_ITEMS = define("ui.insp.add_items", "添加检查项 (Ctrl+Shift+A)", "Add items (Ctrl+Shift+A)")
REMOVE_TITLE = define("ui.insp.remove_title", "删除隐患", "Remove the finding")
REMOVE_ASK = define(
    "ui.insp.remove_ask",
    "删除这条隐患吗？\n{description}\n它关联的 {count} 件证据仍保留在证据库中。",
    "Remove this finding?\n{description}\nIts {count} evidence files stay in the vault.",
)
REMOVE_OK = define("ui.insp.remove_ok", "删除(&D)", "&Delete")
ITEMS_ADDED = define("ui.insp.items_added", "已加入 {count} 个检查项。", "{count} items added.")

# --- adding items left out of the scope ---
AI_TITLE = define("ui.additems.title", "添加检查项", "Add checklist items")
AI_HINT = define(
    "ui.additems.hint",
    "最新版检查目录中尚未列入本次检查的项目。输入文字筛选，按↓进入列表，空格勾选（可多选），回车加入。",
    "Items of the latest catalogues not yet in this inspection. Type to filter, ↓ to the list, Space ticks "
    "(several allowed), Enter adds.",
)
AI_FILTER = define("ui.additems.filter", "筛选(&S)", "&Search")
AI_ITEMS = define("ui.additems.items", "可加入的检查项(&I)", "&Items that can be added")
AI_ITEM = define("ui.additems.item", "{catalogue} · {seq}. {matter}", "{catalogue} · {seq}. {matter}")
AI_COUNT = define("ui.additems.count", "显示 {shown} 项，勾选 {checked} 项", "{shown} shown, {checked} ticked")
AI_EMPTY = define("ui.additems.empty", "所有检查项都已在本次检查范围内。", "Every item is already in this inspection.")
AI_OK = define("ui.additems.ok", "加入 (Enter)", "Add (Enter)")

# --- the finding editor ---
F_TITLE = define("ui.finding.title", "登记隐患", "Record a finding")
F_EDIT_TITLE = define("ui.finding.edit_title", "修改隐患", "Edit the finding")
F_ITEM = define("ui.finding.item", "检查项 {seq}：{matter}", "Item {seq}: {matter}")
F_MAJOR_ITEM = define(
    "ui.finding.major_item",
    "本项属于重大事故隐患判定标准所列情形，等级已建议为“重大事故隐患”，可更改。",
    "This item is a major-accident-hazard criterion, so the grade is proposed as major; you may change it.",
)
F_WORDINGS = define("ui.finding.wordings", "常用描述(&W)", "Standard &wordings")
F_WORDINGS_NONE = define("ui.finding.wordings_none", "（本项尚无常用描述）", "(no wording used for this item yet)")
F_WORDINGS_PICK = define("ui.finding.wordings_pick", "选择以往用过的描述（{count} 条）", "Choose a wording used before ({count})")
F_DESCRIPTION = define("ui.finding.description", "隐患描述(&D)", "&Description")
F_LOCATION = define("ui.finding.location", "位置(&L)", "&Location")
F_GRADE = define("ui.finding.grade", "隐患等级(&G)", "&Grade")
F_DEADLINE = define("ui.finding.deadline", "整改期限(&T)", "Rectification deadline (&T)")
F_DEADLINE_HINT = define("ui.finding.deadline_hint", "YYYY-MM-DD，例如 {example}", "YYYY-MM-DD, e.g. {example}")
F_REMINDER = define(
    "ui.finding.reminder",
    "整改期限 {deadline}，检查后第 {days} 天。到期前 7 天起在首页提醒复查，逾期后标红。",
    "Deadline {deadline}, {days} days after the check. Home reminds you from 7 days before; overdue ones turn red.",
)
F_NO_DEADLINE = define(
    "ui.finding.no_deadline",
    "未设整改期限：责令限期整改指令书上的期限将留空待手写。",
    "No deadline: the rectification order will leave it blank to fill in by hand.",
)
F_SELF = define("ui.finding.self", "企业自查发现并正在整改(&R)", "Found and being &rectified by the enterprise itself")
F_EVIDENCE = define("ui.finding.evidence", "证据（可把照片、视频文件拖到这里）(&V)", "E&vidence (drop photo or video files here)")
F_PICK = define("ui.finding.pick", "从证据库选择… (Ctrl+E)", "From the vault… (Ctrl+E)")
F_SAVE = define("ui.finding.save", "保存 (Ctrl+Enter)", "Save (Ctrl+Enter)")
F_KEEP = define("ui.finding.keep", "稍后再填（保留草稿）", "Later (keep the draft)")
F_DISCARD = define("ui.finding.discard", "放弃草稿", "Discard draft")
F_NEED_TEXT = define("ui.finding.need_text", "请填写隐患描述。", "Describe the finding.")
F_RESTORED = define("ui.finding.restored", "已恢复上次未保存完的草稿。", "The unfinished draft was restored.")
F_IMPORTING = define("ui.finding.importing", "正在把 {count} 个文件加入证据库…", "Adding {count} files to the vault…")
F_IMPORTED = define("ui.finding.imported", "已加入 {ok} 个文件；{bad} 个未能导入。", "{ok} files added; {bad} could not be imported.")
F_LOCKED = define("ui.finding.locked", "已锁定：解锁后才能导入证据。", "Locked: unlock to import evidence.")
F_EVIDENCE_ROW = define("ui.finding.evidence_row", "{kind} · {name}", "{kind} · {name}")
PICK_TITLE = define("ui.pick.title", "从证据库选择", "Choose from the vault")
PICK_ALL = define("ui.pick.all", "显示全部证据（默认只显示尚未关联的）", "Show all evidence (by default only unattached)")
PICK_OK = define("ui.pick.ok", "选用", "Use")
PICK_EMPTY = define("ui.pick.empty", "证据库中没有可选的证据。", "The vault has no evidence to choose.")


def blocker_text(blockers: list[rules.Blocker]) -> str:
    """The reasons an inspection cannot be signed, in the UI's language."""
    lang = language()
    return ("；" if lang == "zh" else "; ").join(b.text(lang) for b in blockers)


def _button(text: str, name: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setAutoDefault(False)
    return b


# ============================================================================ new inspection


class NewInspectionDialog(QDialog):
    created = Signal(str)

    def __init__(self, ctx, enterprise_code: str | None = None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("newInspectionDialog")
        self.setWindowTitle(tr(NEW_TITLE))
        self.code: str | None = None
        self._op = None
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(title(tr(NEW_ENTERPRISE)))
        self.search = EnterpriseSearch(ctx.ws)
        left.addWidget(self.search, 1)
        self.chosen = note(tr(NEW_NONE))
        self.chosen.setObjectName("chosenEnterprise")
        left.addWidget(self.chosen)
        layout.addLayout(left, 2)
        right = QVBoxLayout()
        self.officers = QListWidget()
        self.officers.setObjectName("officersList")
        right.addWidget(buddy(tr(NEW_OFFICERS), self.officers))
        for o in services.officers_list(ctx.ws):
            item = QListWidgetItem(tr(OFFICER_ITEM, name=o.name, cert=o.cert))
            item.setData(Qt.ItemDataRole.UserRole, o.cert)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if o.cert == ctx.session.cert else Qt.CheckState.Unchecked)
            self.officers.addItem(item)
        self.officers.setMaximumHeight(110)
        right.addWidget(self.officers)
        self.catalogues = QListWidget()
        self.catalogues.setObjectName("cataloguesList")
        right.addWidget(buddy(tr(NEW_CATALOGUES), self.catalogues))
        for c in services.latest_catalogues(ctx.ws):
            item = QListWidgetItem(f"{c.title}（{c.version}）")
            item.setData(Qt.ItemDataRole.UserRole, (c.id, c.version))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.catalogues.addItem(item)
        self.catalogues.setMaximumHeight(90)
        self.catalogues.itemChanged.connect(lambda _i: self._preview())
        right.addWidget(self.catalogues)
        self.items = QListWidget()
        self.items.setObjectName("itemsList")
        self.items.setWordWrap(True)
        right.addWidget(buddy(tr(NEW_ITEMS), self.items))
        right.addWidget(note(tr(NEW_ITEMS_HINT)))
        right.addWidget(self.items, 1)
        self.count = note("")
        right.addWidget(self.count)
        self.items.itemChanged.connect(lambda _i: self._count())
        self.error = note("", "warning")
        self.error.hide()
        right.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start = _button(tr(NEW_START), "startInspection")
        self.start.clicked.connect(self.submit)
        cancel = _button(tr(CANCEL), "cancel")
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.start)
        buttons.addWidget(cancel)
        right.addLayout(buttons)
        layout.addLayout(right, 3)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.submit)
        self.search.chosen.connect(self._choose)
        self.officers.setCurrentRow(0)
        self.catalogues.setCurrentRow(0)
        order = [self.search.box, self.search.view, self.officers, self.catalogues, self.items, self.start, cancel]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)
        if enterprise_code:
            self.search.box.setText(enterprise_code)
            self.search.run_search()
            self.search._enter()
        self.resize(1100, 700)

    def _choose(self, code: str) -> None:
        self.code = code
        rows = services.enterprise_rows(self.ctx.ws, [code])
        self.chosen.setText(tr(NEW_CHOSEN, name=rows[0].name) if rows else code)
        self._preview()

    def _catalogue_keys(self) -> list[tuple[str, str]]:
        keys_ = []
        for i in range(self.catalogues.count()):
            item = self.catalogues.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                keys_.append(tuple(item.data(Qt.ItemDataRole.UserRole)))
        return keys_

    def _preview(self) -> None:
        self.items.blockSignals(True)
        self.items.clear()
        if self.code:
            for p in services.preview_items(self.ctx.ws, self.code, self._catalogue_keys()):
                code = NEW_ITEM_MAJOR if p.major_hazard else NEW_ITEM
                item = QListWidgetItem(tr(code, seq=p.seq, matter=p.matter))
                item.setData(Qt.ItemDataRole.UserRole, p.item_id)
                item.setToolTip(p.reason)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.items.addItem(item)
        self.items.blockSignals(False)
        self._count()

    def _count(self) -> None:
        checked = sum(1 for i in range(self.items.count())
                      if self.items.item(i).checkState() == Qt.CheckState.Checked)
        self.count.setText(tr(NEW_COUNT, count=self.items.count(), checked=checked))

    def submit(self) -> None:
        if self._op is not None and not self._op.done:
            return
        if not self.code:
            self._error(tr(NEED_ENTERPRISE))
            return
        certs = [self.officers.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.officers.count())
                 if self.officers.item(i).checkState() == Qt.CheckState.Checked]
        excluded = [self.items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.items.count())
                    if self.items.item(i).checkState() != Qt.CheckState.Checked]
        keys_ = self._catalogue_keys()
        ws, code = self.ctx.ws, self.code
        self.start.setEnabled(False)
        self._op = self.ctx.ops.run(
            lambda op: services.create_inspection(ws, enterprise_code=code, inspectors=certs, catalogue_keys=keys_,
                                                  not_applicable=excluded),
            kind="write", on_done=self._created, on_error=self._failed, label="new inspection")

    def _created(self, inspection_id: str) -> None:
        self.created.emit(inspection_id)
        self.accept()

    def _failed(self, exc) -> None:
        self.start.setEnabled(True)
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)
        self._error(self.ctx.errors.text_for(exc))

    def _error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


# ============================================================================ the checklist


class ChecklistModel(QAbstractTableModel):
    COLUMNS = (COL_SEQ, COL_MATTER, COL_RESULT, COL_FINDINGS)
    ItemRole = Qt.ItemDataRole.UserRole
    _COLOURS = {"compliant": "#e6f4ea", "violation": "#fde7e9", "not-applicable": "#eeeeee"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state: services.InspectionState | None = None
        self.drafts: set[str] = set()

    def set_state(self, state, drafts: set[str] = frozenset()) -> None:
        if self.state is not None and state is not None and len(self.state.items) == len(state.items) \
                and self.state.id == state.id:
            self.state = state
            self.drafts = set(drafts)
            self.dataChanged.emit(self.index(0, 0), self.index(len(state.items) - 1, len(self.COLUMNS) - 1))
            return
        self.beginResetModel()
        self.state = state
        self.drafts = set(drafts)
        self.endResetModel()

    def set_local_result(self, row: int, result: str) -> None:
        """Show a result at once; the write that stores it is already queued."""
        item = self.state.items[row]
        from dataclasses import replace

        self.state.items[row] = replace(item, result=result)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.state is None else len(self.state.items)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.COLUMNS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.state is None:
            return None
        item = self.state.items[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(index.row() + 1)
            if col == 1:
                text = (tr(MAJOR_MARK) if item.major_hazard else "") + item.matter
                if item.item_id in self.drafts:
                    text += tr(DRAFT_MARK)
                return text
            if col == 2:
                return labels.result(item.result)
            if col == 3:
                n = len(self.state.findings_of(item.item_id))
                return str(n) if n else ""
        if role == Qt.ItemDataRole.BackgroundRole and item.result in self._COLOURS:
            return QBrush(QColor(self._COLOURS[item.result]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr(D_SOURCE, catalogue=item.catalogue_id, seq=item.seq, item=item.item_id) + "\n" + item.content
        if role == self.ItemRole:
            return item.item_id
        return None


class InspectionPage(QWidget):
    def __init__(self, ctx, nav, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.nav = nav
        self.setObjectName("inspectionPage")
        self.inspection_id: str | None = None
        self.state: services.InspectionState | None = None
        self.editor: FindingEditor | None = None
        self.documents_dialog = None
        self._sign_flow = None
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(PAGE_TITLE)))
        self.header = note(tr(NO_INSPECTION))
        self.header.setObjectName("inspectionHeader")
        layout.addWidget(self.header)
        self.keys_hint = note(tr(KEYS_HINT))
        layout.addWidget(self.keys_hint)
        self.blockers = note("", "warning")
        self.blockers.setObjectName("signState")
        layout.addWidget(self.blockers)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.model = ChecklistModel(self)
        self.table = QTableView()
        self.table.setObjectName("checklist")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.installEventFilter(self)
        ll.addWidget(buddy(tr(CHECKLIST_NAME), self.table))
        ll.addWidget(self.table, 1)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setObjectName("itemDetail")
        self.detail.setOpenLinks(False)
        rl.addWidget(self.detail, 3)
        self.item_findings = QListWidget()
        self.item_findings.setObjectName("itemFindings")
        self.item_findings.setWordWrap(True)
        self.item_findings.installEventFilter(self)
        self.item_findings.itemActivated.connect(lambda _i: self.edit_finding())
        self.item_findings.currentRowChanged.connect(lambda _r: self._finding_buttons())
        rl.addWidget(buddy(tr(FINDINGS_NAME), self.item_findings))
        rl.addWidget(self.item_findings, 1)
        row = QHBoxLayout()
        self.add_button = _button(tr(ADD_FINDING), "addFinding")
        self.add_button.clicked.connect(self.add_finding)
        row.addWidget(self.add_button)
        self.edit_button = _button(tr(EDIT_FINDING), "editFinding")
        self.edit_button.clicked.connect(self.edit_finding)
        row.addWidget(self.edit_button)
        self.remove_button = _button(tr(REMOVE_FINDING), "removeFinding")
        self.remove_button.clicked.connect(self.remove_finding)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        rl.addLayout(row)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        # 整改复查: the enterprise's open findings from earlier signed inspections
        from .reviews import ReviewPanel

        self.reviews = ReviewPanel(self.ctx, self)
        self.reviews.reviewed.connect(lambda: self.nav.data_changed.emit("inspection"))
        layout.addWidget(self.reviews)
        bottom = QHBoxLayout()
        self.quiz_button = _button(tr(QUIZ), "quizButton")
        self.quiz_button.clicked.connect(self.quiz)
        bottom.addWidget(self.quiz_button)
        self.add_items_button = _button(tr(ADD_ITEMS), "addItems")
        self.add_items_button.clicked.connect(self.add_items)
        bottom.addWidget(self.add_items_button)
        bottom.addStretch(1)
        self.sign_button = _button(tr(SIGN), "signButton")
        self.sign_button.clicked.connect(self.sign)
        self.print_button = _button(tr(PRINT), "printButton")
        self.print_button.clicked.connect(self.documents)
        bottom.addWidget(self.sign_button)
        bottom.addWidget(self.print_button)
        layout.addLayout(bottom)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_item(cur.row()))
        self.sign_shortcut = QShortcut(keys("sign"), self, activated=self.sign,
                                       context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.print_shortcut = QShortcut(keys("print"), self, activated=self.documents,
                                        context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.quiz_shortcut = QShortcut(keys("quiz"), self, activated=self.quiz,
                                       context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_items_shortcut = QShortcut(keys("items.add"), self, activated=self.add_items,
                                            context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.quiz_dialog = None
        self.add_items_dialog = None
        self.remove_confirm = None
        self._set_enabled(False)

    def quiz(self) -> None:
        """逢查必考 (ui/quiz.py), for a draft inspection."""
        if not self._editable():
            return
        from .quiz import QuizDialog

        self.quiz_dialog = QuizDialog(self.ctx, self.state.id, self)
        self.quiz_dialog.scored.connect(lambda _p: self.nav.data_changed.emit("inspection"))
        self.quiz_dialog.open()
        self.quiz_dialog.name.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- loading ---
    def _set_enabled(self, on: bool) -> None:
        signed = bool(self.state and self.state.status == "signed")
        for w in (self.table, self.detail, self.item_findings):
            w.setEnabled(on)
        self.add_button.setEnabled(on and not signed)
        self.sign_button.setEnabled(on and not signed)
        self.print_button.setEnabled(on and signed)
        self.quiz_button.setEnabled(on and not signed)
        self.add_items_button.setEnabled(on and not signed)
        self.add_items_button.setVisible(not signed)
        self.keys_hint.setVisible(on and not signed)
        self._finding_buttons()

    def _finding_buttons(self) -> None:
        """Edit and remove: for a draft's finding only; a signed inspection shows neither."""
        editable = self._editable() and self.table.isEnabled()
        has = self.current_finding() is not None
        for b in (self.edit_button, self.remove_button):
            b.setVisible(editable)
            b.setEnabled(editable and has)

    def open(self, inspection_id: str) -> None:
        self.inspection_id = inspection_id
        self.reload()
        if self.state is None:
            return
        first = next((i for i, it in enumerate(self.state.items) if it.result == "not-checked"), 0)
        self.select_row(first)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        ws, iid = self.ctx.ws, self.state.id
        self.ctx.ops.run(lambda op: services.set_ui_setting(ws, services.LAST_INSPECTION, iid), kind="write")

    def reload(self) -> None:
        if not self.inspection_id:
            return
        row = self.table.currentIndex().row()
        self.state = services.inspection_state(self.ctx.ws, self.inspection_id)
        self.inspection_id = self.state.id
        drafts = set(services.drafts_of(self.ctx.ws, self.state.id))
        self.model.set_state(self.state, drafts)
        s = self.state
        self.header.setText(tr(HEADER, name=s.enterprise_name, place=s.place, started=s.started_at[:16].replace("T", " "),
                               officers="、".join(o.name for o in s.inspectors), status=labels.status(s.status)))
        progress = tr(PROGRESS, checked=sum(1 for i in s.items if i.result != "not-checked"), total=len(s.items))
        if s.status == "signed":
            self.blockers.setObjectName("ok")
            self.blockers.setText(tr(SIGNED, hash=s.record_hash or ""))
        elif s.blockers:
            self.blockers.setObjectName("warning")
            self.blockers.setText(progress + tr(CANNOT_SIGN, reasons=blocker_text(s.blockers)))
        else:
            self.blockers.setObjectName("ok")
            self.blockers.setText(progress + tr(CAN_SIGN))
        self.blockers.style().unpolish(self.blockers)
        self.blockers.style().polish(self.blockers)
        self._set_enabled(True)
        self.reviews.load(s.id, editable=s.status != "signed")
        if 0 <= row < len(s.items):
            self.select_row(row)
        else:
            self._show_item(self.table.currentIndex().row())

    def select_row(self, row: int) -> None:
        if self.state is None or not self.state.items:
            return
        row = max(0, min(row, len(self.state.items) - 1))
        self.table.setCurrentIndex(self.model.index(row, 1))
        self.table.scrollTo(self.model.index(row, 1))
        self._show_item(row)

    def current_item(self):
        row = self.table.currentIndex().row()
        if self.state is None or not (0 <= row < len(self.state.items)):
            return None
        return self.state.items[row]

    def _show_item(self, row: int) -> None:
        self.item_findings.clear()
        if self.state is None or not (0 <= row < len(self.state.items)):
            self.detail.clear()
            return
        it = self.state.items[row]

        def cites(values):
            if not values:
                return f"<p>{html.escape(tr(D_NONE))}</p>"
            return "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in values) + "</ul>"

        major = html.escape(tr(MAJOR_MARK)) if it.major_hazard else ""
        self.detail.setHtml(
            f"<h3>{row + 1}. {major}{html.escape(it.matter)}</h3>"
            f"<p>{html.escape(tr(D_SOURCE, catalogue=it.catalogue_id, seq=it.seq, item=it.item_id))}</p>"
            f"<p><b>{html.escape(tr(D_CONTENT))}</b></p><p>{html.escape(it.content)}</p>"
            f"<p><b>{html.escape(tr(D_CHECK_BASIS))}</b></p>{cites(it.check_basis)}"
            f"<p><b>{html.escape(tr(D_ENFORCEMENT))}</b></p>{cites(it.enforcement_basis)}")
        for f in self.state.findings_of(it.item_id):
            text = tr(D_FINDING, grade=labels.grade(f.grade), deadline=f.deadline or tr(D_NO_DEADLINE),
                      description=f.description)
            if f.repeat_offence:
                text = tr(D_REPEAT) + text
            if f.evidence:
                text += tr(D_EVIDENCE, count=len(f.evidence))
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, f.id)
            self.item_findings.addItem(entry)
        if self.item_findings.count():
            self.item_findings.setCurrentRow(0)
        self._finding_buttons()

    # --- keys ---
    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress and not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            key = event.key()
            mapping = {Qt.Key.Key_1: "compliant", Qt.Key.Key_2: "violation", Qt.Key.Key_3: "not-applicable"}
            if key in mapping:
                self.set_result(mapping[key])
                return True
            if key == Qt.Key.Key_F:
                self.add_finding()
                return True
        if obj is getattr(self, "item_findings", None) and event.type() == QEvent.Type.KeyPress and not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_finding()
                return True
            if event.key() == Qt.Key.Key_Delete:
                self.remove_finding()
                return True
        return super().eventFilter(obj, event)

    # --- edits ---
    def _editable(self) -> bool:
        return self.state is not None and self.state.status != "signed"

    def set_result(self, result: str) -> None:
        item = self.current_item()
        if item is None or not self._editable():
            return
        row = self.table.currentIndex().row()
        ws, iid = self.ctx.ws, self.state.id
        self.model.set_local_result(row, result)
        self.ctx.ops.run(lambda op: services.set_result(ws, iid, item.item_id, result), kind="write",
                         on_done=lambda _r: self.reload(), on_error=self._edit_failed, label="result")
        if result == "violation":
            self.open_editor(item)
        else:
            self.select_row(row + 1)

    def _edit_failed(self, exc) -> None:
        self.ctx.errors(exc)
        self.reload()

    def add_finding(self) -> None:
        item = self.current_item()
        if item is not None and self._editable():
            self.open_editor(item)

    def current_finding(self):
        """The finding chosen in 本项隐患 (a FindingRow of the current item), if any."""
        entry = self.item_findings.currentItem()
        if self.state is None or entry is None:
            return None
        fid = entry.data(Qt.ItemDataRole.UserRole)
        return next((f for f in self.state.findings if f.id == fid), None)

    def edit_finding(self) -> None:
        item, finding = self.current_item(), self.current_finding()
        if item is not None and finding is not None and self._editable():
            self.open_editor(item, finding)

    def remove_finding(self) -> None:
        finding = self.current_finding()
        if finding is None or not self._editable():
            return
        box = QMessageBox(QMessageBox.Icon.Question, tr(REMOVE_TITLE),
                          tr(REMOVE_ASK, description=finding.description, count=len(finding.evidence)), parent=self)
        box.setObjectName("removeFindingConfirm")
        ok = box.addButton(tr(REMOVE_OK), QMessageBox.ButtonRole.DestructiveRole)
        ok.setObjectName("confirmRemove")
        cancel = box.addButton(tr(CANCEL), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        ws, fid = self.ctx.ws, finding.id

        def answered(button) -> None:
            self.remove_confirm = None
            if button is not ok:
                self.item_findings.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            self.ctx.ops.run(lambda op: services.remove_finding(ws, fid), kind="write",
                             on_done=self._finding_removed, on_error=self._edit_failed, label="finding-remove")

        box.buttonClicked.connect(answered)
        self.remove_confirm = box
        box.open()

    def _finding_removed(self, _inspection_id: str) -> None:
        self.reload()
        self.nav.data_changed.emit("inspection")
        self.nav.data_changed.emit("evidence")
        (self.item_findings if self.item_findings.count() else self.table).setFocus(Qt.FocusReason.OtherFocusReason)

    def add_items(self) -> None:
        if not self._editable():
            return
        self.add_items_dialog = AddItemsDialog(self.ctx, self.state.id, self)
        self.add_items_dialog.chosen.connect(self._add_chosen_items)
        self.add_items_dialog.open()
        self.add_items_dialog.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def _add_chosen_items(self, chosen: list) -> None:
        if not chosen or not self._editable():
            return
        ws, iid = self.ctx.ws, self.state.id
        self.ctx.ops.run(lambda op: services.add_items(ws, iid, chosen), kind="write",
                         on_done=self._items_added, on_error=self._edit_failed, label="add-items")

    def _items_added(self, added: list[str]) -> None:
        self.reload()
        self.nav.data_changed.emit("inspection")
        rows = [i for i, it in enumerate(self.state.items) if it.item_id in set(added)]
        if rows:
            self.select_row(rows[0])
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_editor(self, item, finding=None) -> None:
        if self.editor is not None:
            self.editor.keep()
        self.editor = FindingEditor(self.ctx, self.state, item, self, finding=finding)
        self.editor.saved.connect(self._finding_saved)
        self.editor.finished.connect(self._editor_closed)
        self.editor.open()

    def _editor_closed(self, _code=0) -> None:
        editor, self.editor = self.editor, None
        self.reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if editor is not None and editor.saved_id and editor.finding is None:
            self.select_row(self.table.currentIndex().row() + 1)
        elif editor is not None and editor.finding is not None and self.item_findings.count():
            self.item_findings.setFocus(Qt.FocusReason.OtherFocusReason)

    def _finding_saved(self, _finding_id: str) -> None:
        self.nav.data_changed.emit("inspection")

    def flush(self) -> None:
        """Before the window closes or locks: an open editor keeps its draft."""
        if self.editor is not None:
            self.editor.keep()

    # --- signing and documents ---
    def sign(self) -> None:
        if not self._editable():
            return
        if self.state.blockers:
            self.ctx.errors.show(tr(CANNOT_SIGN, reasons=blocker_text(self.state.blockers)))
            return
        from .signing import SignFlow

        self._sign_flow = SignFlow(self.ctx, self.state, self)
        self._sign_flow.signed.connect(self._signed)
        self._sign_flow.start()

    def _signed(self, record_hash: str) -> None:
        self._sign_flow = None
        self.reload()
        self.nav.data_changed.emit("inspection")
        self.nav.signed.emit(record_hash)
        self.documents()

    def documents(self) -> None:
        if self.state is None or self.state.status != "signed":
            return
        from .documents import DocumentsDialog

        self.documents_dialog = DocumentsDialog(self.ctx, self.state.id, self)
        self.documents_dialog.open()
        self.documents_dialog.start()


# ============================================================================ the finding editor


class EvidenceList(QListWidget):
    """The finding's evidence; photo and video files dropped here go into the vault."""

    files_dropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("findingEvidence")
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setIconSize(QSize(96, 72))

    def _local_files(self, event) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        files = self._local_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)


class FindingEditor(QDialog):
    saved = Signal(str)

    def __init__(self, ctx, state: services.InspectionState, item: services.ItemRow, parent=None, *,
                 finding: services.FindingRow | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.state = state
        self.item = item
        self.finding = finding  # editing this finding (update_finding) rather than recording a new one
        self.saved_id: str | None = None
        self.evidence: list[str] = []
        self._names: dict[str, str] = {}
        self._op = None
        self._discarded = False
        self.setObjectName("findingEditor")
        self.setWindowTitle(tr(F_EDIT_TITLE if finding is not None else F_TITLE))
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        head = title(tr(F_ITEM, seq=item.seq, matter=item.matter))
        layout.addWidget(head)
        content = note(item.content)
        content.setObjectName("itemContent")
        layout.addWidget(content)
        if item.major_hazard:
            layout.addWidget(note(tr(F_MAJOR_ITEM), "warning"))
        self.restored = note(tr(F_RESTORED), "ok")
        self.restored.hide()
        layout.addWidget(self.restored)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.wordings = QComboBox()
        self.wordings.setObjectName("findingWordings")
        self.wordings.addItem(tr(F_WORDINGS_NONE), None)
        self.wordings.setEnabled(False)
        self.wordings.activated.connect(self._use_wording)
        form.addRow(buddy(tr(F_WORDINGS), self.wordings), self.wordings)
        self.description = QPlainTextEdit()
        self.description.setObjectName("findingDescription")
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(80)
        form.addRow(buddy(tr(F_DESCRIPTION), self.description), self.description)
        self.location = QLineEdit()
        self.location.setObjectName("findingLocation")
        form.addRow(buddy(tr(F_LOCATION), self.location), self.location)
        self.grade = QComboBox()
        self.grade.setObjectName("findingGrade")
        for g in rules.GRADES:
            self.grade.addItem(labels.grade(g), g)
        self.grade.setCurrentIndex(self.grade.findData(rules.propose_grade(item.major_hazard)))
        form.addRow(buddy(tr(F_GRADE), self.grade), self.grade)
        self.deadline = QLineEdit()
        self.deadline.setObjectName("findingDeadline")
        self.deadline.setPlaceholderText(tr(F_DEADLINE_HINT, example=_month_later(state.inspected_on()).isoformat()))
        form.addRow(buddy(tr(F_DEADLINE), self.deadline), self.deadline)
        self.reminder = note(tr(F_NO_DEADLINE))
        self.reminder.setObjectName("deadlineReminder")
        form.addRow("", self.reminder)
        self.self_reported = QCheckBox(tr(F_SELF))
        self.self_reported.setObjectName("findingSelfReported")
        form.addRow("", self.self_reported)
        layout.addLayout(form)
        self.evidence_list = EvidenceList()
        self.evidence_list.files_dropped.connect(self.import_files)
        layout.addWidget(buddy(tr(F_EVIDENCE), self.evidence_list))
        layout.addWidget(self.evidence_list)
        ev_row = QHBoxLayout()
        self.pick = _button(tr(F_PICK), "pickEvidence")
        self.pick.clicked.connect(self.pick_from_vault)
        ev_row.addWidget(self.pick)
        self.import_state = note("")
        ev_row.addWidget(self.import_state, 1)
        layout.addLayout(ev_row)
        self.error = note("", "warning")
        self.error.setObjectName("warning")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.discard_button = _button(tr(F_DISCARD), "discardDraft")
        self.discard_button.clicked.connect(self.discard)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        self.save_button = _button(tr(F_SAVE), "saveFinding")
        self.save_button.clicked.connect(self.save)
        keep = _button(tr(F_KEEP), "keepDraft")
        keep.clicked.connect(self.reject)
        self.later_button = keep
        buttons.addWidget(self.save_button)
        buttons.addWidget(keep)
        layout.addLayout(buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.save)
        QShortcut(keys("pick"), self, activated=self.pick_from_vault)
        self._autosave = Debouncer(400, self)
        self._autosave.fire.connect(self._write_draft)
        if finding is not None:
            self._fill(finding)
        else:
            self._restore()
        for signal in (self.description.textChanged, self.location.textChanged, self.deadline.textChanged,
                       self.grade.currentIndexChanged, self.self_reported.toggled):
            signal.connect(lambda *_: self._autosave.poke())
        self.deadline.textChanged.connect(self._check_deadline)
        self._check_deadline()
        self.resize(720, 720)
        self.description.setFocus(Qt.FocusReason.OtherFocusReason)
        ws, item_id = ctx.ws, item.item_id
        self.ctx.ops.run(lambda op: services.wordings(ws, item_id), on_done=self._show_wordings)

    # --- the wordings library (grows from use: earlier descriptions of this item) ---
    def _show_wordings(self, texts: list[str]) -> None:
        if not texts:
            return
        self.wordings.setItemText(0, tr(F_WORDINGS_PICK, count=len(texts)))
        for text in texts:
            self.wordings.addItem(text if len(text) <= 60 else text[:59] + "…", text)
        self.wordings.setEnabled(True)

    def _use_wording(self, index: int) -> None:
        text = self.wordings.itemData(index)
        if text:
            self.description.setPlainText(text)
            self.description.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- drafts ---
    def _fields(self) -> dict:
        return {"description": self.description.toPlainText(), "location": self.location.text(),
                "grade": self.grade.currentData(), "deadline": self.deadline.text().strip(),
                "self_reported": self.self_reported.isChecked(), "evidence": list(self.evidence)}

    def _fill(self, finding: services.FindingRow) -> None:
        """Editing: the finding as stored. No draft is autosaved (the stored finding stays until saved)."""
        self.description.setPlainText(finding.description)
        self.location.setText(finding.location)
        index = self.grade.findData(finding.grade)
        if index >= 0:
            self.grade.setCurrentIndex(index)
        self.deadline.setText(finding.deadline or "")
        self.self_reported.setChecked(finding.self_reported)
        for sha in finding.evidence:
            self._add_evidence(sha)
        self.discard_button.hide()
        self.later_button.setText(tr(CANCEL))

    def _restore(self) -> None:
        draft = services.load_draft(self.ctx.ws, self.state.id, self.item.item_id)
        if not draft:
            return
        self.description.setPlainText(draft.get("description", ""))
        self.location.setText(draft.get("location", ""))
        index = self.grade.findData(draft.get("grade"))
        if index >= 0:
            self.grade.setCurrentIndex(index)
        self.deadline.setText(draft.get("deadline", ""))
        self.self_reported.setChecked(bool(draft.get("self_reported")))
        for sha in draft.get("evidence", []):
            self._add_evidence(sha)
        self.restored.show()

    def _write_draft(self) -> None:
        if self.saved_id or self._discarded or self.finding is not None:
            return
        data = self._fields()
        empty = not (data["description"].strip() or data["location"].strip() or data["deadline"] or data["evidence"])
        ws, iid, item_id = self.ctx.ws, self.state.id, self.item.item_id
        self.ctx.ops.run(lambda op: services.save_draft(ws, iid, item_id, None if empty else data), kind="write",
                         label="draft")

    def keep(self) -> None:
        """Write the draft now (the window is closing or locking) and close."""
        self._autosave.flush()
        if self.isVisible():
            self.reject()

    def reject(self) -> None:
        self._autosave.flush()
        super().reject()

    def discard(self) -> None:
        self._discarded = True
        self._autosave._timer.stop()
        ws, iid, item_id = self.ctx.ws, self.state.id, self.item.item_id
        self.ctx.ops.run(lambda op: services.save_draft(ws, iid, item_id, None), kind="write", label="draft")
        super().reject()

    # --- deadline ---
    def _check_deadline(self) -> bool:
        text = self.deadline.text().strip()
        if not text:
            self.reminder.setObjectName("hint")
            self.reminder.setText(tr(F_NO_DEADLINE))
            ok = True
        else:
            try:
                d = services.check_deadline(text, self.state.inspected_on())
            except InspectorError as exc:
                self.reminder.setObjectName("warning")
                self.reminder.setText(error_text(exc))
                ok = False
            else:
                self.reminder.setObjectName("ok")
                self.reminder.setText(tr(F_REMINDER, deadline=d.isoformat(),
                                         days=(d - self.state.inspected_on()).days))
                ok = True
        self.reminder.style().unpolish(self.reminder)
        self.reminder.style().polish(self.reminder)
        return ok

    # --- evidence ---
    def _add_evidence(self, sha: str, name: str | None = None, kind: str | None = None) -> None:
        if sha in self.evidence:
            return
        if name is None:
            try:
                row = services.evidence_row(self.ctx.ws, sha)
                name, kind = row.original_name, row.kind
            except InspectorError:
                name, kind = sha[:16], ""
        from .home import kind_text

        self.evidence.append(sha)
        item = QListWidgetItem(tr(F_EVIDENCE_ROW, kind=kind_text(kind or ""), name=name))
        item.setData(Qt.ItemDataRole.UserRole, sha)
        item.setToolTip(sha)
        self.evidence_list.addItem(item)
        thumbs = self.ctx.extra.get("thumbnails")
        if thumbs is not None:
            thumbs.request(sha, lambda pix, item=item: item.setIcon(pix))

    def dragEnterEvent(self, event) -> None:
        self.evidence_list.dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        self.evidence_list.dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        self.evidence_list.dropEvent(event)

    def import_files(self, paths: list) -> None:
        officer = self.ctx.session.officer
        if officer is None:
            self.import_state.setText(tr(F_LOCKED))
            return
        self.import_state.setText(tr(F_IMPORTING, count=len(paths)))
        ws = self.ctx.ws
        self._op = self.ctx.ops.run(lambda op: services.import_paths(ws, officer, list(paths), op=op), kind="write",
                                    on_done=self._imported, label="import")

    def _imported(self, results) -> None:
        ok = [r for r in results if r.sha256]
        for r in ok:
            self._add_evidence(r.sha256, Path(r.path).name, r.info.kind if r.info else None)
        self.import_state.setText(tr(F_IMPORTED, ok=len(ok), bad=len(results) - len(ok)))
        bad = [r.text(services_lang()) for r in results if not r.sha256 and r.code]
        if bad:
            self.error.setText("\n".join(t for t in bad if t))
            self.error.show()
        self.nav_changed()
        self._autosave.poke()

    def nav_changed(self) -> None:
        parent = self.parent()
        nav = getattr(parent, "nav", None)
        if nav is not None:
            nav.data_changed.emit("evidence")

    def pick_from_vault(self) -> None:
        picker = VaultPicker(self.ctx, exclude=set(self.evidence), parent=self)
        picker.chosen.connect(self._picked)
        picker.open()
        self.picker = picker

    def _picked(self, rows) -> None:
        for r in rows:
            self._add_evidence(r.sha256, r.original_name, r.kind)
        self._autosave.poke()

    # --- save ---
    def save(self) -> None:
        if self._op is not None and not self._op.done:
            return
        data = self._fields()
        if not data["description"].strip():
            self.error.setText(tr(F_NEED_TEXT))
            self.error.show()
            self.description.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if not self._check_deadline():
            self.deadline.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        ws, iid, item_id = self.ctx.ws, self.state.id, self.item.item_id
        self._autosave._timer.stop()
        self.save_button.setEnabled(False)
        if self.finding is not None:
            fid, known = self.finding.id, set(self.finding.evidence)
            added = [sha for sha in data["evidence"] if sha not in known]
            self._op = self.ctx.ops.run(
                lambda op: services.update_finding(ws, fid, description=data["description"].strip(),
                                                   location=data["location"].strip(), grade=data["grade"],
                                                   deadline=data["deadline"] or None,
                                                   clear_deadline=not data["deadline"],
                                                   self_reported=data["self_reported"], evidence=added),
                kind="write", on_done=self._saved, on_error=self._failed, label="finding-edit")
            return
        self._op = self.ctx.ops.run(
            lambda op: services.add_finding(ws, iid, item_id=item_id, description=data["description"].strip(),
                                            grade=data["grade"], location=data["location"].strip(),
                                            deadline=data["deadline"] or None, self_reported=data["self_reported"],
                                            evidence=data["evidence"]),
            kind="write", on_done=self._saved, on_error=self._failed, label="finding")

    def _saved(self, finding_id: str) -> None:
        self.saved_id = finding_id
        self.saved.emit(finding_id)
        self.accept()

    def _failed(self, exc) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)
        self.error.setText(self.ctx.errors.text_for(exc))
        self.error.show()


def services_lang() -> str:
    from .i18n import language

    return language()


def _month_later(d):
    from datetime import timedelta

    return d + timedelta(days=30)


class VaultPicker(QDialog):
    chosen = Signal(list)  # EvidenceRows

    def __init__(self, ctx, exclude: set[str] = frozenset(), parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.exclude = exclude
        self.setObjectName("vaultPicker")
        self.setWindowTitle(tr(PICK_TITLE))
        layout = QVBoxLayout(self)
        self.show_all = QCheckBox(tr(PICK_ALL))
        self.show_all.setObjectName("pickShowAll")
        self.show_all.toggled.connect(self._load)
        layout.addWidget(self.show_all)
        self.list = QListWidget()
        self.list.setObjectName("pickList")
        self.list.setIconSize(QSize(96, 72))
        layout.addWidget(self.list, 1)
        self.empty = note(tr(PICK_EMPTY))
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        ok = _button(tr(PICK_OK), "pickOk")
        ok.setDefault(True)
        ok.clicked.connect(self._ok)
        cancel = _button(tr(CANCEL), "pickCancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(ok)
        row.addWidget(cancel)
        layout.addLayout(row)
        self._rows = {}
        self._load()
        self.resize(560, 480)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _load(self) -> None:
        from .home import kind_text

        self.list.clear()
        rows = services.evidence_rows(self.ctx.ws, unassigned=not self.show_all.isChecked())
        self._rows = {r.sha256: r for r in rows if r.sha256 not in self.exclude}
        thumbs = self.ctx.extra.get("thumbnails")
        for r in self._rows.values():
            item = QListWidgetItem(tr(F_EVIDENCE_ROW, kind=kind_text(r.kind), name=r.original_name)
                                   + f" · {r.captured_at[:16].replace('T', ' ')}")
            item.setData(Qt.ItemDataRole.UserRole, r.sha256)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
            if thumbs is not None:
                thumbs.request(r.sha256, lambda pix, item=item: item.setIcon(pix))
        self.empty.setVisible(not self._rows)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _ok(self) -> None:
        picked = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                picked.append(self._rows[item.data(Qt.ItemDataRole.UserRole)])
        if not picked and self.list.currentItem() is not None:
            picked = [self._rows[self.list.currentItem().data(Qt.ItemDataRole.UserRole)]]
        self.chosen.emit(picked)
        self.accept()


# ============================================================================ adding items to the scope


class AddItemsDialog(QDialog):
    """The latest catalogues' items not yet in the inspection's scope: filter by typing, tick with
    Space (several), Enter adds the ticked ones (or the current one if none is ticked)."""

    chosen = Signal(list)  # [(item_id, catalogue_id)]

    def __init__(self, ctx, inspection_id: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("addItemsDialog")
        self.setWindowTitle(tr(AI_TITLE))
        layout = QVBoxLayout(self)
        layout.addWidget(note(tr(AI_HINT)))
        self.filter = QLineEdit()
        self.filter.setObjectName("addItemsFilter")
        self.filter.setClearButtonEnabled(True)
        layout.addWidget(buddy(tr(AI_FILTER), self.filter))
        layout.addWidget(self.filter)
        self.list = QListWidget()
        self.list.setObjectName("addItemsList")
        self.list.setWordWrap(True)
        layout.addWidget(buddy(tr(AI_ITEMS), self.list))
        layout.addWidget(self.list, 1)
        self.count = note("")
        layout.addWidget(self.count)
        self.empty = note(tr(AI_EMPTY))
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok = _button(tr(AI_OK), "addItemsOk")
        self.ok.setDefault(True)
        self.ok.clicked.connect(self._ok)
        cancel = _button(tr(CANCEL), "addItemsCancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(self.ok)
        row.addWidget(cancel)
        layout.addLayout(row)
        titles = {c.id: c.title for c in services.latest_catalogues(ctx.ws)}
        for p in services.addable_items(ctx.ws, inspection_id):
            entry = QListWidgetItem(tr(AI_ITEM, catalogue=titles.get(p.catalogue_id, p.catalogue_id), seq=p.seq,
                                       matter=(tr(MAJOR_MARK) if p.major_hazard else "") + p.matter))
            entry.setData(Qt.ItemDataRole.UserRole, (p.item_id, p.catalogue_id))
            entry.setToolTip(f"{p.catalogue_id} · {p.item_id}")
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(entry)
        self.empty.setVisible(self.list.count() == 0)
        self.filter.textChanged.connect(self._filter)
        self.list.itemChanged.connect(lambda _i: self._count())
        self.filter.installEventFilter(self)
        QWidget.setTabOrder(self.filter, self.list)
        QWidget.setTabOrder(self.list, self.ok)
        QWidget.setTabOrder(self.ok, cancel)
        self._filter("")
        self.resize(760, 560)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.filter and event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return super().eventFilter(obj, event)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        first = None
        for i in range(self.list.count()):
            entry = self.list.item(i)
            hay = (entry.text() + " " + entry.toolTip()).lower()
            hidden = not all(w in hay for w in words)
            entry.setHidden(hidden)
            if not hidden and first is None:
                first = i
        current = self.list.currentItem()
        if first is not None and (current is None or current.isHidden()):
            self.list.setCurrentRow(first)
        self._count()

    def _count(self) -> None:
        shown = sum(1 for i in range(self.list.count()) if not self.list.item(i).isHidden())
        checked = len(self._checked())
        self.count.setText(tr(AI_COUNT, shown=shown, checked=checked))

    def _checked(self) -> list:
        return [self.list.item(i) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _ok(self) -> None:
        picked = self._checked()
        current = self.list.currentItem()
        if not picked and current is not None and not current.isHidden():
            picked = [current]
        self.chosen.emit([tuple(e.data(Qt.ItemDataRole.UserRole)) for e in picked])
        self.accept()
