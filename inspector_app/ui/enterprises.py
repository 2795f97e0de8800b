"""Enterprises (一企一档): search as you type over the whole registry, and the file of one enterprise.

The list is a lazy model: a search returns only credit codes (cheap, store/search.py), and the
model fetches the rows for the codes the view shows, a batch at a time, through canFetchMore /
fetchMore as the list scrolls. Nothing builds ten thousand rows on load.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListView, QPushButton,
    QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from . import labels, services
from .i18n import define, tr
from .widgets import Debouncer, buddy, note, title

TITLE = define("ui.ent.title", "企业（一企一档）", "Enterprises")
SEARCH = define("ui.ent.search", "搜索(&S)", "&Search")
SEARCH_HINT = define("ui.ent.search_hint", "企业名称、统一社会信用代码、地址、乡镇或法定代表人", "Name, credit code, address, township or legal representative")
COUNT = define("ui.ent.count", "共 {count} 家", "{count} enterprises")
NONE_FOUND = define("ui.ent.none", "没有找到符合“{query}”的企业", "No enterprise matches “{query}”")
ROW = define("ui.ent.row", "{name}\n{code} · {kind} · {township}", "{name}\n{code} · {kind} · {township}")
CHOOSE = define("ui.ent.choose", "在左侧选择一家企业，查看其档案。", "Choose an enterprise on the left to see its file.")
NEW_INSPECTION = define("ui.ent.new_inspection", "对该企业新建检查(&N)", "&New inspection of this enterprise")
TAB_PROFILE = define("ui.ent.tab.profile", "概况", "Profile")
TAB_LICENCES = define("ui.ent.tab.licences", "许可证", "Licences")
TAB_HAZARDS = define("ui.ent.tab.hazards", "重大危险源与重点监管", "Major hazard sources")
TAB_HISTORY = define("ui.ent.tab.history", "检查历史", "Inspections")
TAB_FINDINGS = define("ui.ent.tab.findings", "隐患记录", "Findings")
F_CODE = define("ui.ent.f.code", "统一社会信用代码", "Unified social credit code")
F_KIND = define("ui.ent.f.kind", "企业类型", "Kind")
F_INDUSTRY = define("ui.ent.f.industry", "所属行业", "Industry")
F_ADDRESS = define("ui.ent.f.address", "地址", "Address")
F_TOWNSHIP = define("ui.ent.f.township", "乡镇（园区）", "Township (park)")
F_LEGAL = define("ui.ent.f.legal", "法定代表人", "Legal representative")
F_CONTACT = define("ui.ent.f.contact", "联系人及电话", "Contact and phone")
F_KEY = define("ui.ent.f.key", "两重点一重大", "Key supervision (两重点一重大)")
KEY_YES = define("ui.ent.key_yes", "是", "Yes")
KEY_NO = define("ui.ent.key_no", "否", "No")
L_KIND = define("ui.ent.l.kind", "许可证种类", "Licence")
L_NUMBER = define("ui.ent.l.number", "编号", "Number")
L_VALID = define("ui.ent.l.valid", "有效期至", "Valid until")
H_SOURCES = define("ui.ent.h.sources", "重大危险源", "Major hazard sources")
H_SOURCE = define("ui.ent.h.source", "{name}（{grade}）", "{name} ({grade})")
H_PROCESSES = define("ui.ent.h.processes", "重点监管危险化工工艺", "Key supervised processes")
H_CHEMICALS = define("ui.ent.h.chemicals", "重点监管危险化学品", "Key supervised chemicals")
NONE = define("ui.ent.none_value", "无", "None")
I_DATE = define("ui.ent.i.date", "检查日期", "Date")
I_STATUS = define("ui.ent.i.status", "状态", "Status")
I_INSPECTORS = define("ui.ent.i.inspectors", "执法人员", "Officers")
I_FINDINGS = define("ui.ent.i.findings", "隐患数", "Findings")
FD_ITEM = define("ui.ent.fd.item", "检查事项", "Item")
FD_TEXT = define("ui.ent.fd.text", "隐患描述", "Description")
FD_GRADE = define("ui.ent.fd.grade", "等级", "Grade")
FD_DEADLINE = define("ui.ent.fd.deadline", "整改期限", "Deadline")
FD_MARKS = define("ui.ent.fd.marks", "标记", "Marks")
REPEAT = define("ui.ent.repeat", "屡查屡犯", "Repeat offence")
SELF_REPORTED = define("ui.ent.self_reported", "自查自报", "Self-reported")
REPEAT_NOTE = define(
    "ui.ent.repeat_note",
    "标红的检查事项在该企业不止一次检查中发现问题；“屡查屡犯”标记在再次发现的隐患上。",
    "Items in red were found at more than one inspection of this enterprise; the later findings are marked "
    "as repeat offences.",
)


class EnterpriseListModel(QAbstractListModel):
    BATCH = 100
    CodeRole = Qt.ItemDataRole.UserRole

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self._codes: list[str] = []
        self._rows: list = []
        self.query = ""

    def search(self, query: str) -> int:
        self.beginResetModel()
        self.query = query
        self._codes = services.enterprise_codes(self.ws, query)
        self._rows = []
        self.endResetModel()
        return len(self._codes)

    @property
    def total(self) -> int:
        return len(self._codes)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and len(self._rows) < len(self._codes)

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid():
            return
        start = len(self._rows)
        rows = services.enterprise_rows(self.ws, self._codes[start:start + self.BATCH])
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def enterprise(self, row: int):
        return self._rows[row]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        e = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(ROW, name=e.name, code=e.code, kind=labels.enterprise_kind(e.kind), township=e.township)
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.address
        if role == self.CodeRole:
            return e.code
        return None


class EnterpriseSearch(QWidget):
    """A search box over a lazy list; used by the Enterprises page and the new-inspection dialog."""

    chosen = Signal(str)  # credit code of the current row
    activated = Signal(str)

    def __init__(self, ws, parent=None, *, debounce_ms: int = 120):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = QLineEdit()
        self.box.setObjectName("enterpriseSearch")
        self.box.setPlaceholderText(tr(SEARCH_HINT))
        self.box.setClearButtonEnabled(True)
        row = QHBoxLayout()
        row.addWidget(buddy(tr(SEARCH), self.box))
        row.addWidget(self.box, 1)
        layout.addLayout(row)
        self.count = note("")
        layout.addWidget(self.count)
        self.model = EnterpriseListModel(ws, self)
        self.view = QListView()
        self.view.setObjectName("enterpriseList")
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(True)
        self.view.setAlternatingRowColors(True)
        layout.addWidget(self.view, 1)
        self._debounce = Debouncer(debounce_ms, self)
        self._debounce.fire.connect(self.run_search)
        self.box.textChanged.connect(lambda _t: self._debounce.poke())
        self.box.returnPressed.connect(self._enter)
        self.box.installEventFilter(self)
        self.view.selectionModel().currentChanged.connect(self._current)
        self.view.activated.connect(lambda idx: self.activated.emit(self.model.data(idx, EnterpriseListModel.CodeRole)))
        self.run_search()

    def run_search(self) -> None:
        query = self.box.text().strip()
        total = self.model.search(query)
        if total == 0 and query:
            self.count.setText(tr(NONE_FOUND, query=query))
        else:
            self.count.setText(tr(COUNT, count=total))

    def _enter(self) -> None:
        self._debounce.flush()
        if self.model.rowCount() == 0 and self.model.canFetchMore():
            self.model.fetchMore()
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0))
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, obj, event) -> bool:
        from PySide6.QtCore import QEvent

        if obj is self.box and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self._enter()
            return True
        return False

    def _current(self, current: QModelIndex, _previous=None) -> None:
        if current.isValid():
            self.chosen.emit(self.model.data(current, EnterpriseListModel.CodeRole))

    def current_code(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.data(index, EnterpriseListModel.CodeRole) if index.isValid() else None


def _table(columns: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(columns)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setWordWrap(True)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class EnterpriseFileView(QWidget):
    """One enterprise's file: profile, licences, hazard sources, inspections, findings."""

    def __init__(self, ws, nav, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.nav = nav
        self.code: str | None = None
        self.file = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = title(tr(CHOOSE))
        layout.addWidget(self.heading)
        self.new_button = QPushButton(tr(NEW_INSPECTION))
        self.new_button.setObjectName("newInspectionForEnterprise")
        self.new_button.clicked.connect(lambda: self.code and self.nav.new_inspection.emit(self.code))
        self.new_button.setEnabled(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("enterpriseTabs")
        layout.addWidget(self.tabs, 1)
        # profile
        profile = QWidget()
        self.form = QFormLayout(profile)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields = {}
        for code in (F_CODE, F_KIND, F_INDUSTRY, F_ADDRESS, F_TOWNSHIP, F_LEGAL, F_CONTACT, F_KEY):
            value = QLabel("")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[code] = value
            self.form.addRow(QLabel(tr(code)), value)
        self.tabs.addTab(profile, tr(TAB_PROFILE))
        self.licences = _table([tr(L_KIND), tr(L_NUMBER), tr(L_VALID)], "licencesTable")
        self.tabs.addTab(self.licences, tr(TAB_LICENCES))
        self.hazards = QLabel("")
        self.hazards.setWordWrap(True)
        self.hazards.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hazards.setObjectName("hazardsText")
        self.tabs.addTab(self.hazards, tr(TAB_HAZARDS))
        self.history = _table([tr(I_DATE), tr(I_STATUS), tr(I_INSPECTORS), tr(I_FINDINGS)], "historyTable")
        self.history.itemActivated.connect(self._open_inspection)
        self.tabs.addTab(self.history, tr(TAB_HISTORY))
        findings_tab = QWidget()
        fl = QVBoxLayout(findings_tab)
        fl.addWidget(note(tr(REPEAT_NOTE)))
        self.findings = _table([tr(I_DATE), tr(FD_ITEM), tr(FD_TEXT), tr(FD_GRADE), tr(FD_DEADLINE), tr(FD_MARKS)],
                               "findingsTable")
        self.findings.itemActivated.connect(self._open_inspection)
        fl.addWidget(self.findings)
        self.tabs.addTab(findings_tab, tr(TAB_FINDINGS))

    def show_enterprise(self, code: str) -> None:
        self.code = code
        self.file = f = services.enterprise_file(self.ws, code)
        e = f.enterprise
        self.heading.setText(e.name)
        self.new_button.setEnabled(True)
        key = bool(e.major_hazard_sources or e.key_processes or e.key_chemicals)
        values = {
            F_CODE: e.code, F_KIND: labels.enterprise_kind(e.kind), F_INDUSTRY: e.industry, F_ADDRESS: e.address,
            F_TOWNSHIP: e.township, F_LEGAL: e.legal_representative,
            F_CONTACT: " ".join(x for x in (e.contact_name, e.contact_phone) if x),
            F_KEY: tr(KEY_YES) if key else tr(KEY_NO),
        }
        for code_, text in values.items():
            self.fields[code_].setText(text)
        self.licences.setRowCount(len(e.licences))
        for r, lic in enumerate(e.licences):
            for c, key_ in enumerate(("kind", "number", "valid_until")):
                self.licences.setItem(r, c, QTableWidgetItem(str(lic.get(key_, ""))))
        self.licences.resizeColumnsToContents()
        none = tr(NONE)
        sources = "；".join(tr(H_SOURCE, name=m.name, grade=m.grade) for m in e.major_hazard_sources) or none
        self.hazards.setText("\n\n".join([
            f"{tr(H_SOURCES)}：{sources}",
            f"{tr(H_PROCESSES)}：{'、'.join(e.key_processes) or none}",
            f"{tr(H_CHEMICALS)}：{'、'.join(e.key_chemicals) or none}",
        ]))
        self.history.setRowCount(len(f.inspections))
        for r, i in enumerate(f.inspections):
            cells = [i.started_at[:10], labels.status(i.status), "、".join(i.inspectors), str(i.findings)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, i.id)
                self.history.setItem(r, c, item)
        self.history.resizeColumnsToContents()
        repeat = f.repeat_items
        self.findings.setRowCount(len(f.findings))
        red = QBrush(QColor("#fde7e9"))
        for r, fd in enumerate(f.findings):
            marks = []
            if fd.repeat_offence:
                marks.append(tr(REPEAT))
            if fd.self_reported:
                marks.append(tr(SELF_REPORTED))
            cells = [fd.inspected_on, f"{fd.item_id} {fd.matter}", fd.description, labels.grade(fd.grade),
                     fd.deadline or "", "、".join(marks)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, fd.inspection_id)
                if fd.item_id in repeat:
                    item.setBackground(red)
                self.findings.setItem(r, c, item)
        self.findings.resizeColumnsToContents()
        self.findings.resizeRowsToContents()

    def _open_inspection(self, item) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if value:
            self.nav.open_inspection.emit(value)


class EnterprisesPage(QWidget):
    def __init__(self, ctx, nav, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("enterprisesPage")
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        split = QSplitter()
        self.search = EnterpriseSearch(ctx.ws)
        self.file = EnterpriseFileView(ctx.ws, nav)
        split.addWidget(self.search)
        split.addWidget(self.file)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        self.search.chosen.connect(self.file.show_enterprise)
        self.search.activated.connect(self._activated)

    def _activated(self, code: str) -> None:
        self.file.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_search(self) -> None:
        self.search.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.box.selectAll()

    def show_enterprise(self, code: str) -> None:
        self.file.show_enterprise(code)

    def refresh(self) -> None:
        code = self.file.code
        self.search.run_search()
        if code:
            self.file.show_enterprise(code)
