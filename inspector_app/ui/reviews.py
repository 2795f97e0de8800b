"""整改复查 in the inspection screen: the enterprise's open findings (store/reviews.open_findings,
from earlier signed inspections), each to be recorded 已整改 or 未整改 in this inspection
(services.review_finding: reviews.review and its audit entry, as `inspector inspection review`).

Keys in the list: Y (or 1) 已整改, N (or 2) 未整改. Hidden when the enterprise has nothing open.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from . import labels, services
from .i18n import define, tr

TITLE = define("ui.review.title", "整改复查：本企业尚未整改的隐患 {count} 项", "Re-inspection: {count} open findings of this enterprise")
ITEM = define("ui.review.item", "{grade} · 期限 {deadline} · {item}：{description}（{state}）",
              "{grade} · deadline {deadline} · {item}: {description} ({state})")
STATE_NONE = define("ui.review.state_none", "未复查", "not reviewed")
STATE_RECTIFIED = define("ui.review.state_rectified", "已整改", "rectified")
STATE_NOT = define("ui.review.state_not", "未整改", "not rectified")
RECTIFIED = define("ui.review.rectified", "已整改 (Y)", "Rectified (Y)")
NOT_RECTIFIED = define("ui.review.not_rectified", "未整改 (N)", "Not rectified (N)")
NO_DEADLINE = define("ui.review.no_deadline", "无", "none")
STATES = {None: STATE_NONE, "rectified": STATE_RECTIFIED, "not-rectified": STATE_NOT}


class ReviewList(QListWidget):
    key_review = Signal(str)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Y, Qt.Key.Key_1):
            self.key_review.emit("rectified")
        elif key in (Qt.Key.Key_N, Qt.Key.Key_2):
            self.key_review.emit("not-rectified")
        else:
            super().keyPressEvent(event)


class ReviewPanel(QGroupBox):
    reviewed = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("reviewPanel")
        self.inspection_id: str | None = None
        self.editable = False
        self.findings: list[services.OpenFinding] = []
        layout = QVBoxLayout(self)
        self.list = ReviewList()
        self.list.setObjectName("reviewList")
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(140)
        self.list.key_review.connect(self.review_current)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.addStretch(1)
        self.rectified = QPushButton(tr(RECTIFIED))
        self.rectified.setObjectName("reviewRectified")
        self.rectified.setAutoDefault(False)
        self.rectified.clicked.connect(lambda: self.review_current("rectified"))
        self.not_rectified = QPushButton(tr(NOT_RECTIFIED))
        self.not_rectified.setObjectName("reviewNotRectified")
        self.not_rectified.setAutoDefault(False)
        self.not_rectified.clicked.connect(lambda: self.review_current("not-rectified"))
        row.addWidget(self.rectified)
        row.addWidget(self.not_rectified)
        layout.addLayout(row)
        self.setFocusProxy(self.list)
        self.hide()

    def load(self, inspection_id: str, *, editable: bool) -> None:
        self.inspection_id, self.editable = inspection_id, editable
        self.findings = services.open_findings(self.ctx.ws, inspection_id)
        current = self.list.currentRow()
        self.list.clear()
        for f in self.findings:
            item = QListWidgetItem(tr(ITEM, grade=labels.grade(f.grade), deadline=f.deadline or tr(NO_DEADLINE),
                                      item=f.item_id, description=f.description, state=tr(STATES.get(f.review, STATE_NONE))))
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            if f.review == "rectified":
                item.setForeground(QBrush(QColor("#1b5e20")))
            elif f.review == "not-rectified":
                item.setForeground(QBrush(QColor("#b3261e")))
            self.list.addItem(item)
        self.setTitle(tr(TITLE, count=len(self.findings)))
        if self.findings:
            self.list.setCurrentRow(max(0, min(current, len(self.findings) - 1)))
        for w in (self.rectified, self.not_rectified):
            w.setEnabled(editable and bool(self.findings))
        self.setVisible(bool(self.findings))

    def review_current(self, result: str) -> None:
        row = self.list.currentRow()
        if not self.editable or not (0 <= row < len(self.findings)):
            return
        ws, iid, fid, by = self.ctx.ws, self.inspection_id, self.findings[row].id, self.ctx.session.cert

        def done(_r) -> None:
            self.load(iid, editable=self.editable)
            if row + 1 < self.list.count():
                self.list.setCurrentRow(row + 1)
            self.reviewed.emit()

        self.ctx.ops.run(lambda op: services.review_finding(ws, iid, fid, result, by=by), kind="write",
                         on_done=done, label="review")
