"""Every keyboard shortcut, in one table: the actions are made from it and the help (F1) shows it,
so what is documented is what works."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from .i18n import define, tr

EVERYWHERE = define("ui.keys.scope.everywhere", "任何界面", "Everywhere")
CHECKLIST = define("ui.keys.scope.checklist", "检查清单", "Checklist")
EDITOR = define("ui.keys.scope.editor", "隐患登记", "Finding editor")
EVIDENCE = define("ui.keys.scope.evidence", "证据", "Evidence")
CAMERA = define("ui.keys.scope.camera", "摄像头", "Camera")
VIEWER = define("ui.keys.scope.viewer", "查看与播放", "Viewer and player")


@dataclass(frozen=True)
class Shortcut:
    id: str
    keys: str  # portable QKeySequence text
    name: str  # message code
    scope: str  # message code


def _s(id: str, keys: str, zh: str, en: str, scope: str = EVERYWHERE) -> Shortcut:
    return Shortcut(id, keys, define(f"ui.keys.{id}", zh, en), scope)


SHORTCUTS: list[Shortcut] = [
    _s("page.home", "Ctrl+1", "首页", "Home"),
    _s("page.enterprises", "Ctrl+2", "企业（一企一档）", "Enterprises"),
    _s("page.inspection", "Ctrl+3", "当前检查", "Current inspection"),
    _s("page.evidence", "Ctrl+4", "证据", "Evidence"),
    _s("page.settings", "Ctrl+5", "设置", "Settings"),
    _s("find", "Ctrl+F", "搜索企业", "Search enterprises"),
    _s("inspection.new", "Ctrl+N", "新建检查", "New inspection"),
    _s("quick_record", "Ctrl+Shift+R", "快速录像：开始／停止（无需先选企业）", "Quick record: start / stop (no enterprise needed)"),
    _s("camera", "Ctrl+Shift+C", "打开摄像头（拍照、录像）", "Open the camera (photo, video)"),
    _s("import.files", "Ctrl+O", "导入证据文件", "Import evidence files"),
    _s("import.folder", "Ctrl+I", "从文件夹或执法记录仪导入", "Import from a folder or body cam"),
    _s("lock", "Ctrl+L", "锁定", "Lock"),
    _s("switch", "Ctrl+Shift+L", "切换执法人员", "Switch officer"),
    _s("refresh", "F5", "刷新", "Refresh"),
    _s("sync.now", "F9", "立即与县局服务器同步", "Sync with the county server now"),
    _s("help", "F1", "快捷键说明", "Keyboard shortcuts"),
    _s("quit", "Ctrl+Q", "退出", "Quit"),
    _s("result.compliant", "1", "结果：符合，并转到下一项", "Result: compliant, then next item", CHECKLIST),
    _s("result.violation", "2", "结果：不符合，并登记隐患", "Result: violation, then record the finding", CHECKLIST),
    _s("result.na", "3", "结果：不适用，并转到下一项", "Result: not applicable, then next item", CHECKLIST),
    _s("finding.add", "F", "为当前项登记隐患", "Record a finding for this item", CHECKLIST),
    _s("items.add", "Ctrl+Shift+A", "把未列入的检查项加入本次检查", "Add items left out of this inspection", CHECKLIST),
    _s("finding.edit", "Return", "修改“本项隐患”中选中的隐患", "Edit the finding chosen in “Findings of this item”", CHECKLIST),
    _s("finding.remove", "Delete", "删除“本项隐患”中选中的隐患（先确认；证据仍留在证据库）",
       "Remove the finding chosen in “Findings of this item” (asks first; the evidence stays in the vault)", CHECKLIST),
    _s("sign", "Ctrl+Shift+S", "签名（每名执法人员依次输入口令）", "Sign (each officer enters their passphrase)", CHECKLIST),
    _s("quiz", "Ctrl+Shift+Q", "逢查必考：现场考试", "On-site quiz", CHECKLIST),
    _s("print", "Ctrl+P", "文书预览与打印", "Document preview and printing", CHECKLIST),
    _s("save", "Ctrl+Return", "保存隐患", "Save the finding", EDITOR),
    _s("pick", "Ctrl+E", "从证据库选择证据", "Choose evidence from the vault", EDITOR),
    _s("attach", "Ctrl+T", "把选中的证据附到检查或隐患", "Attach the selected evidence to an inspection or finding", EVIDENCE),
    _s("open", "Return", "查看照片／播放视频", "View the photo / play the video", EVIDENCE),
    _s("play", "Space", "播放／暂停", "Play / pause", VIEWER),
    _s("shutter", "Space", "拍照", "Take a photo", CAMERA),
    _s("record", "R", "开始／停止录像", "Start / stop recording", CAMERA),
]
BY_ID = {s.id: s for s in SHORTCUTS}


def keys(id: str) -> QKeySequence:
    return QKeySequence(BY_ID[id].keys)


def action(parent, id: str, slot, *, context=Qt.ShortcutContext.WindowShortcut) -> QAction:
    spec = BY_ID[id]
    act = QAction(tr(spec.name), parent)
    act.setObjectName(f"action.{id}")
    act.setShortcut(QKeySequence(spec.keys))
    act.setShortcutContext(context)
    act.triggered.connect(lambda _checked=False: slot())
    parent.addAction(act)
    return act


HELP_TITLE = define("ui.keys.title", "快捷键", "Keyboard shortcuts")
HELP_INTRO = define(
    "ui.keys.intro",
    "所有操作都可以只用键盘完成：Tab 和 Shift+Tab 在控件间移动，方向键在列表中选择，空格勾选，回车确认，Esc 关闭对话框。",
    "Everything can be done with the keyboard alone: Tab and Shift+Tab move between controls, arrow keys "
    "select in lists, Space ticks, Enter confirms, Esc closes a dialog.",
)
COL_KEYS = define("ui.keys.col.keys", "按键", "Keys")
COL_ACTION = define("ui.keys.col.action", "操作", "Action")
COL_SCOPE = define("ui.keys.col.scope", "适用于", "Where")
CLOSE = define("ui.close", "关闭", "Close")


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(tr(HELP_TITLE))
        layout = QVBoxLayout(self)
        intro = QLabel(tr(HELP_INTRO))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        table = QTableWidget(len(SHORTCUTS), 3)
        table.setHorizontalHeaderLabels([tr(COL_KEYS), tr(COL_ACTION), tr(COL_SCOPE)])
        for row, s in enumerate(SHORTCUTS):
            native = QKeySequence(s.keys).toString(QKeySequence.SequenceFormat.NativeText)
            for col, text in enumerate((native, tr(s.name), tr(s.scope))):
                table.setItem(row, col, QTableWidgetItem(text))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        table.setWordWrap(True)
        table.resizeRowsToContents()
        self.table = table
        layout.addWidget(table)
        row = QHBoxLayout()
        row.addStretch(1)
        close = QPushButton(tr(CLOSE))
        close.setObjectName("closeShortcuts")
        close.clicked.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(760, 620)
