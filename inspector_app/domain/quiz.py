"""逢查必考: the on-site quiz of an enterprise's principal persons (county plan, 附件2 §三(二)).

A question bank is imported from a table like the catalogues (题号/题目/选项/答案/适用对象/来源),
kept as a versioned TOML file, and a paper is drawn from it at random for each person quizzed. The
seed of the draw is recorded with the paper, so anyone can draw the same paper again. The pass mark
is a county setting (quiz_pass_percent), not a rule of this code: provinces set their own.
"""
from __future__ import annotations

import random
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .messages import InspectorError, define

FORMAT = 1
ROLES = {"principal": "主要负责人", "safety-deputy": "分管安全负责人", "safety-manager": "安全管理人员",
         "other": "其他人员"}
DEFAULT_PASS_PERCENT = 60
TRUE_FALSE = ("对", "错")

BANK_ERROR = define(
    "quiz.bad_bank",
    "题库 {file} 第{row}行 字段 {field}：{reason}",
    "Question bank {file}, row {row}, field {field}: {reason}",
)
NO_HEADER = define(
    "quiz.no_header",
    "题库表格 {file} 的前10行中找不到表头（需要：题目、答案；可选：序号、选项A…F、适用对象、来源）",
    "No header in the first 10 rows of {file} (need 题目 and 答案; optional 序号, 选项A…F, 适用对象, 来源)",
)
NOT_ENOUGH = define(
    "quiz.not_enough_questions",
    "题库 {bank} 中适用于{role}的题目只有 {available} 道，少于要抽取的 {wanted} 道",
    "Bank {bank} has only {available} questions for {role}, fewer than the {wanted} asked for",
)
BAD_ROLE = define(
    "quiz.bad_role",
    "受考人员类别 {role} 无效，可选：{choices}",
    "Invalid role {role}; choose from: {choices}",
)
BAD_ANSWERS = define(
    "quiz.bad_answers",
    "答案个数 {given} 与试卷题数 {expected} 不符",
    "{given} answers given for a paper of {expected} questions",
)
UNKNOWN_BANK = define(
    "quiz.unknown_bank",
    "未找到题库 {bank}，可用：{choices}",
    "No question bank {bank}; available: {choices}",
)
NO_PAPER = define(
    "quiz.no_paper",
    "检查 {inspection} 中还没有给 {name} 抽取试卷",
    "No paper has been drawn for {name} in inspection {inspection}",
)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[str, ...]  # "A. …" style choices; ("对", "错") for a true/false question
    answer: str  # option letters in order ("A", "ACD") or 对/错
    roles: tuple[str, ...]  # empty: everyone
    source: str


@dataclass(frozen=True)
class QuestionBank:
    id: str
    version: str
    title: str
    source: str
    questions: tuple[Question, ...]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def for_role(self, role: str) -> list[Question]:
        return [q for q in self.questions if not q.roles or role in q.roles]


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InspectorError(BAD_ROLE, exit_code=2, role=role, choices=", ".join(ROLES))
    return role


def normalise_answer(text: str) -> str:
    """'a, c' → 'AC'; '√', '正确', 'T' → 对; '×', '错误', 'F' → 错."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    if value in ("对", "√", "正确", "T", "TRUE", "是", "Y"):
        return "对"
    if value in ("错", "×", "X", "错误", "F", "FALSE", "否", "N"):
        return "错"
    return "".join(sorted(set(re.sub(r"[^A-F]", "", value))))


# --- the bank as a file ---

def bank_to_data(bank: QuestionBank) -> dict:
    return {"format": FORMAT, "id": bank.id, "version": bank.version, "title": bank.title, "source": bank.source,
            "questions": [{"id": q.id, "text": q.text, "options": list(q.options), "answer": q.answer,
                           "roles": list(q.roles), "source": q.source} for q in bank.questions]}


def load_bank(path: Path) -> QuestionBank:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InspectorError(BANK_ERROR, file=path.name, row="-", field="-", reason=str(exc)) from None
    questions = []
    for n, q in enumerate(data.get("questions", []), start=1):
        for field in ("id", "text", "answer"):
            if not isinstance(q.get(field), str) or not q.get(field):
                raise InspectorError(BANK_ERROR, file=path.name, row=n, field=field, reason="缺少或不是文字")
        questions.append(Question(q["id"], q["text"], tuple(q.get("options", ())), q["answer"],
                                  tuple(q.get("roles", ())), q.get("source", "")))
    for field in ("id", "version", "title", "source"):
        if not isinstance(data.get(field), str) or not data.get(field):
            raise InspectorError(BANK_ERROR, file=path.name, row="-", field=field, reason="缺少或不是文字")
    return QuestionBank(data["id"], data["version"], data["title"], data["source"], tuple(questions))


def load_banks(*folders: Path) -> dict[str, QuestionBank]:
    banks = {}
    for folder in folders:
        if Path(folder).is_dir():
            for path in sorted(Path(folder).glob("*.toml")):
                bank = load_bank(path)
                banks[bank.key] = bank
    return banks


# --- importing a table ---

_COLUMNS = {"seq": ("序号", "题号"), "text": ("题目", "题干", "试题"), "answer": ("答案", "正确答案"),
            "roles": ("适用对象", "类别", "适用人员"), "source": ("来源", "出处", "依据"), "options": ("选项",)}


def _column(header: str) -> str | None:
    from .catalogue_import import normalise_header

    words = normalise_header(header)
    if re.fullmatch(r"选项[A-F]", words):
        return "option-" + words[-1]
    for key, names in _COLUMNS.items():
        if words in names:
            return key
    return None


def _role_of(text: str) -> tuple[str, ...]:
    found = [key for key, label in ROLES.items() if label in text or key in text]
    if "全部" in text or not text.strip():
        return ()
    return tuple(found)


def import_bank_table(path: Path, *, bank_id: str, version: str, title: str, source: str) -> QuestionBank:
    from .catalogue_import import read_table

    path = Path(path)

    def header_at(rows) -> int | None:
        for position, (_, cells) in enumerate(rows[:10]):
            keys = {_column(c) for c in cells if c}
            if {"text", "answer"} <= keys:
                return position
        return None

    rows = read_table(path, lambda rows: header_at(rows) is not None)
    position = header_at(rows)
    if position is None:
        raise InspectorError(NO_HEADER, file=path.name)
    columns = {_column(c): i for i, c in enumerate(rows[position][1]) if c and _column(c)}
    questions = []
    for row_number, cells in rows[position + 1:]:
        cell = lambda key: cells[columns[key]].strip() if key in columns and columns[key] < len(cells) else ""  # noqa: E731
        text = cell("text")
        if not text and not cell("answer"):
            continue  # an empty row
        if not text:
            raise InspectorError(BANK_ERROR, file=path.name, row=row_number, field="题目", reason="为空")
        options = [f"{letter}. {cell('option-' + letter)}" for letter in "ABCDEF" if cell("option-" + letter)]
        if not options and cell("options"):
            options = [line.strip() for line in cell("options").split("\n") if line.strip()]
        answer = normalise_answer(cell("answer"))
        if answer in TRUE_FALSE:
            options = list(TRUE_FALSE)
        elif not answer or any(ord(a) - ord("A") >= len(options) for a in answer):
            raise InspectorError(BANK_ERROR, file=path.name, row=row_number, field="答案",
                                 reason=f"“{cell('answer')}”不是本题选项之一")
        qid = cell("seq") or str(len(questions) + 1)
        questions.append(Question(f"{bank_id}-{qid}", text, tuple(options), answer, _role_of(cell("roles")),
                                  cell("source") or f"{path.name} 第{row_number}行"))
    if not questions:
        raise InspectorError(BANK_ERROR, file=path.name, row="-", field="题目", reason="表格中没有题目")
    return QuestionBank(bank_id, version, title, source, tuple(questions))


# --- papers and scores ---

def draw_paper(bank: QuestionBank, role: str, count: int, seed: int) -> list[Question]:
    """A random paper for one person; the same bank, role, count and seed give the same paper."""
    check_role(role)
    pool = bank.for_role(role)
    if len(pool) < count:
        raise InspectorError(NOT_ENOUGH, exit_code=1, bank=bank.key, role=ROLES[role], available=len(pool),
                             wanted=count)
    return random.Random(seed).sample(pool, count)


def grade(paper: list[Question], answers: list[str]) -> int:
    if len(answers) != len(paper):
        raise InspectorError(BAD_ANSWERS, exit_code=2, given=len(answers), expected=len(paper))
    return sum(normalise_answer(a) == q.answer for q, a in zip(paper, answers))


def passed(correct: int, total: int, pass_percent: int = DEFAULT_PASS_PERCENT) -> bool:
    return total > 0 and correct * 100 >= pass_percent * total
