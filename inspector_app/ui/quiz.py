"""逢查必考: the on-site quiz of an inspection (store/quiz.py through services.quiz_draw/quiz_answer).

Choose the bank, the person's name and role and the number of questions; the paper is drawn at
random (the seed is recorded) and shown one question per page. Keys: A–F tick an option (a
multiple-choice question may need several); for a true/false question A or 1 is 对, B or 2 is 错;
Enter goes to the next question (on the last, records the answers and shows the score); PgUp goes
back. Grading and the pass mark are the store's and the county setting's, not this dialog's.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
    QStackedWidget, QVBoxLayout, QWidget,
)

from inspector_app.domain import quiz as quiz_rules

from . import services
from .i18n import define, error_text, tr
from .widgets import buddy, note, title

TITLE = define("ui.quiz.title", "逢查必考：现场考试", "On-site quiz")
BANK = define("ui.quiz.bank", "题库(&B)", "Question &bank")
NAME = define("ui.quiz.name", "受考人员姓名(&N)", "&Name of the person quizzed")
ROLE = define("ui.quiz.role", "人员类别(&R)", "&Role")
COUNT = define("ui.quiz.count", "题数(&Q)", "Number of &questions")
DRAW = define("ui.quiz.draw", "抽题 (Enter)", "Draw the paper (Enter)")
CANCEL = define("ui.quiz.cancel", "关闭", "Close")
NO_BANK = define("ui.quiz.no_bank", "还没有题库：请先用 inspector quiz import 导入题库。",
                 "No question bank yet: import one with inspector quiz import.")
NEED_NAME = define("ui.quiz.need_name", "请填写受考人员姓名。", "Enter the name of the person quizzed.")
PROGRESS = define("ui.quiz.progress", "{name} · 第 {n}/{total} 题", "{name} · question {n} of {total}")
KEYS_CHOICE = define("ui.quiz.keys_choice", "按 A–F 选择（可多选），回车下一题，PgUp 上一题。",
                     "Press A–F to choose (several if needed), Enter for the next question, PgUp to go back.")
KEYS_TF = define("ui.quiz.keys_tf", "按 A 或 1 选“对”，B 或 2 选“错”，回车下一题，PgUp 上一题。",
                 "Press A or 1 for true, B or 2 for false, Enter for the next question, PgUp to go back.")
UNANSWERED = define("ui.quiz.unanswered", "本题还没有作答。", "This question has no answer yet.")
RESULT_PASS = define("ui.quiz.result_pass", "{name}：答对 {correct}/{total} 题，合格（合格线 {percent}%）。",
                     "{name}: {correct} of {total} correct, passed (pass mark {percent}%).")
RESULT_FAIL = define("ui.quiz.result_fail", "{name}：答对 {correct}/{total} 题，不合格（合格线 {percent}%）。",
                     "{name}: {correct} of {total} correct, not passed (pass mark {percent}%).")
RESULT_NOTE = define("ui.quiz.result_note", "成绩已记入本次检查，签名后随检查记录保存。",
                     "The score is kept with this inspection and goes into the record when it is signed.")
ROLE_NAMES = {
    "principal": define("ui.quiz.role.principal", "主要负责人", "Principal person in charge"),
    "safety-deputy": define("ui.quiz.role.safety_deputy", "分管安全负责人", "Deputy in charge of safety"),
    "safety-manager": define("ui.quiz.role.safety_manager", "安全管理人员", "Safety manager"),
    "other": define("ui.quiz.role.other", "其他人员", "Other staff"),
}
LETTERS = "ABCDEF"


class QuizDialog(QDialog):
    scored = Signal(dict)

    def __init__(self, ctx, inspection_id: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.inspection_id = inspection_id
        self.setObjectName("quizDialog")
        self.setWindowTitle(tr(TITLE))
        self.paper: list[services.QuizQuestion] = []
        self.answers: list[str] = []
        self.index = 0
        self.person: dict | None = None
        self.result: dict | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.error = note("", "warning")
        self.error.setObjectName("quizError")
        layout.addWidget(self.error)
        # page 0: who and what
        start = QWidget()
        form = QFormLayout(start)
        self.bank = QComboBox()
        self.bank.setObjectName("quizBank")
        banks = services.quiz_banks(ctx.ws)
        for b in banks:
            self.bank.addItem(f"{b.title}（{b.key}，{b.questions}）", b.key)
        form.addRow(buddy(tr(BANK), self.bank), self.bank)
        self.name = QLineEdit()
        self.name.setObjectName("quizName")
        form.addRow(buddy(tr(NAME), self.name), self.name)
        self.role = QComboBox()
        self.role.setObjectName("quizRole")
        for key in quiz_rules.ROLES:
            self.role.addItem(tr(ROLE_NAMES[key]) if key in ROLE_NAMES else key, key)
        form.addRow(buddy(tr(ROLE), self.role), self.role)
        self.count = QSpinBox()
        self.count.setObjectName("quizCount")
        self.count.setRange(1, 50)
        self.count.setValue(5)
        form.addRow(buddy(tr(COUNT), self.count), self.count)
        row = QHBoxLayout()
        row.addStretch(1)
        self.draw_button = QPushButton(tr(DRAW))
        self.draw_button.setObjectName("quizDraw")
        self.draw_button.setAutoDefault(False)
        self.draw_button.clicked.connect(self.draw)
        row.addWidget(self.draw_button)
        close = QPushButton(tr(CANCEL))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row.addWidget(close)
        form.addRow(row)
        self.stack.addWidget(start)
        if not banks:
            self.error.setText(tr(NO_BANK))
            self.draw_button.setEnabled(False)
        # page 1: one question
        page = QWidget()
        pl = QVBoxLayout(page)
        self.progress = QLabel("")
        self.progress.setObjectName("quizProgress")
        pl.addWidget(self.progress)
        self.question = QLabel("")
        self.question.setObjectName("quizQuestion")
        self.question.setWordWrap(True)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        pl.addWidget(self.question)
        self.options_box = QVBoxLayout()
        pl.addLayout(self.options_box)
        self.option_boxes: list[QCheckBox] = []
        pl.addStretch(1)
        self.keys_hint = note("")
        pl.addWidget(self.keys_hint)
        page.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        page.keyPressEvent = self._question_key
        self.question_page = page
        self.stack.addWidget(page)
        # page 2: the score
        done = QWidget()
        dl = QVBoxLayout(done)
        self.score = QLabel("")
        self.score.setObjectName("quizScore")
        self.score.setWordWrap(True)
        dl.addWidget(self.score)
        dl.addWidget(note(tr(RESULT_NOTE)))
        dl.addStretch(1)
        self.done_button = QPushButton(tr(CANCEL))
        self.done_button.setObjectName("quizDone")
        self.done_button.clicked.connect(self.accept)
        dl.addWidget(self.done_button)
        self.stack.addWidget(done)
        for seq in ("Return", "Enter"):
            QShortcut(QKeySequence(seq), start, activated=self.draw,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.resize(720, 480)
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- drawing ---
    def draw(self) -> None:
        if self.stack.currentIndex() != 0 or not self.draw_button.isEnabled():
            return
        name = self.name.text().strip()
        if not name:
            self.error.setText(tr(NEED_NAME))
            self.name.setFocus()
            return
        ws, iid, by = self.ctx.ws, self.inspection_id, self.ctx.session.cert
        bank, role, count = self.bank.currentData(), self.role.currentData(), self.count.value()
        self.draw_button.setEnabled(False)
        self.error.setText("")

        def failed(exc) -> None:
            self.draw_button.setEnabled(True)
            self.error.setText(error_text(exc))

        self.ctx.ops.run(lambda op: services.quiz_draw(ws, iid, bank_key=bank, name=name, role=role, count=count,
                                                       by=by),
                         kind="write", on_done=self._drawn, on_error=failed, label="quiz-draw")

    def _drawn(self, result) -> None:
        self.person, self.paper = result
        self.answers = [""] * len(self.paper)
        self.index = 0
        self.stack.setCurrentIndex(1)
        self._show_question()
        self.question_page.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- answering ---
    def _show_question(self) -> None:
        q = self.paper[self.index]
        self.progress.setText(tr(PROGRESS, name=self.person["name"], n=self.index + 1, total=len(self.paper)))
        self.question.setText(q.text)
        for box in self.option_boxes:
            self.options_box.removeWidget(box)
            box.deleteLater()
        self.option_boxes = []
        chosen = self.answers[self.index]
        for i, option in enumerate(q.options):
            label = f"{LETTERS[i]}. {option}" if q.true_false else option
            box = QCheckBox(label)
            box.setObjectName(f"quizOption{i}")
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            value = option if q.true_false else LETTERS[i]
            box.setChecked(value in chosen if not q.true_false else chosen == option)
            box.toggled.connect(lambda _on, i=i: self._toggled(i))
            self.options_box.addWidget(box)
            self.option_boxes.append(box)
        self.keys_hint.setText(tr(KEYS_TF if q.true_false else KEYS_CHOICE))
        self.error.setText("")

    def _toggled(self, _i: int) -> None:
        q = self.paper[self.index]
        if q.true_false:
            picked = [q.options[i] for i, b in enumerate(self.option_boxes) if b.isChecked()]
            self.answers[self.index] = picked[-1] if picked else ""
        else:
            self.answers[self.index] = "".join(LETTERS[i] for i, b in enumerate(self.option_boxes) if b.isChecked())

    def choose(self, i: int) -> None:
        q = self.paper[self.index]
        if i >= len(self.option_boxes):
            return
        if q.true_false:
            for j, box in enumerate(self.option_boxes):
                box.blockSignals(True)
                box.setChecked(j == i)
                box.blockSignals(False)
            self.answers[self.index] = q.options[i]
        else:
            self.option_boxes[i].setChecked(not self.option_boxes[i].isChecked())

    def _question_key(self, event) -> None:
        key = event.key()
        q = self.paper[self.index] if self.paper else None
        if q is None:
            return
        if Qt.Key.Key_A <= key <= Qt.Key.Key_F:
            self.choose(key - Qt.Key.Key_A)
        elif q.true_false and key in (Qt.Key.Key_1, Qt.Key.Key_2):
            self.choose(key - Qt.Key.Key_1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next()
        elif key == Qt.Key.Key_PageUp and self.index > 0:
            self.index -= 1
            self._show_question()
        elif key == Qt.Key.Key_Escape:
            self.reject()

    def next(self) -> None:
        if not self.answers[self.index]:
            self.error.setText(tr(UNANSWERED))
            return
        if self.index + 1 < len(self.paper):
            self.index += 1
            self._show_question()
            return
        ws, iid, by, name, answers = self.ctx.ws, self.inspection_id, self.ctx.session.cert, self.person["name"], list(self.answers)
        self.ctx.ops.run(lambda op: services.quiz_answer(ws, iid, name=name, answers=answers, by=by), kind="write",
                         on_done=self._scored, on_error=lambda exc: self.error.setText(error_text(exc)),
                         label="quiz-answer")

    def _scored(self, person: dict) -> None:
        self.result = person
        code = RESULT_PASS if person["passed"] else RESULT_FAIL
        self.score.setText(tr(code, name=person["name"], correct=person["correct"], total=person["questions"],
                              percent=person["pass_percent"]))
        self.stack.setCurrentIndex(2)
        self.done_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scored.emit(person)
