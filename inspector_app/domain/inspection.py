"""The rules of an inspection, as plain functions the CLI, the app and the server share.

Which results an item can have, when a finding is a repeat offence, whether a deadline is
allowed, and whether an inspection can be signed. Widgets and commands render these answers;
they hold no rules of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .messages import DEFAULT_LANGUAGE, InspectorError, define, render

RESULTS = ("compliant", "violation", "not-applicable", "not-checked")
RESULT_LABELS = {
    "compliant": "符合",
    "violation": "不符合",
    "not-applicable": "不适用",
    "not-checked": "未检查",
}
GRADES = ("general", "major")
GRADE_LABELS = {"general": "一般事故隐患", "major": "重大事故隐患"}

# The law requires at least two officers at an inspection (行政处罚法 第四十二条；安全生产法 第六十七条).
MIN_INSPECTORS = 2
# Hazards found must be entered within one month of the check (city plan, 附件4 §二(一)1).
ENTRY_WINDOW = timedelta(days=31)

BAD_RESULT = define(
    "inspection.bad_result",
    "检查结果 {result} 无效，可选：compliant（符合）、violation（不符合）、not-applicable（不适用）",
    "Invalid result {result}; choose compliant, violation or not-applicable",
)
BAD_GRADE = define(
    "inspection.bad_grade",
    "隐患等级 {grade} 无效，可选：general（一般）、major（重大）",
    "Invalid hazard grade {grade}; choose general or major",
)
BAD_DEADLINE = define(
    "inspection.bad_deadline",
    "整改期限 {deadline} 无效：{reason}",
    "Invalid rectification deadline {deadline}: {reason}",
)
TOO_FEW = define(
    "inspection.too_few_inspectors",
    "执法人员不少于两名（《行政处罚法》第四十二条、《安全生产法》第六十七条），当前为 {count} 名",
    "At least two officers are required by law (Administrative Penalty Law art. 42, Work Safety Law art. 67); {count} given",
)
SAME_INSPECTOR = define(
    "inspection.duplicate_inspector",
    "执法人员 {cert} 重复列出",
    "Officer {cert} is listed twice",
)
NOT_SIGNABLE = define(
    "inspection.not_signable",
    "检查 {inspection} 尚不能签名：{reasons}",
    "Inspection {inspection} cannot be signed yet: {reasons}",
)
ALREADY_SIGNED = define(
    "inspection.already_signed",
    "检查 {inspection} 已签名，签名后的记录不能修改；如需更正，请新建更正记录（amend）",
    "Inspection {inspection} is signed and can no longer change; correct it with an amending record",
)
FINDING_NOT_VIOLATION = define(
    "inspection.finding_needs_violation",
    "检查项 {item} 的结果不是“不符合”，不能登记隐患",
    "Item {item} is not marked as a violation, so it cannot have a finding",
)


def check_result(result: str) -> str:
    if result not in RESULTS or result == "not-checked":
        raise InspectorError(BAD_RESULT, exit_code=2, result=result)
    return result


def check_grade(grade: str) -> str:
    if grade not in GRADES:
        raise InspectorError(BAD_GRADE, exit_code=2, grade=grade)
    return grade


def check_inspectors(certs: list[str]) -> list[str]:
    seen: set[str] = set()
    for cert in certs:
        if cert in seen:
            raise InspectorError(SAME_INSPECTOR, exit_code=2, cert=cert)
        seen.add(cert)
    if len(certs) < MIN_INSPECTORS:
        raise InspectorError(TOO_FEW, exit_code=2, count=len(certs))
    return certs


def parse_deadline(text: str, inspected_on: date) -> date:
    """A rectification deadline must be a real date after the day of the inspection."""
    try:
        deadline = date.fromisoformat(text)
    except ValueError:
        raise InspectorError(BAD_DEADLINE, exit_code=2, deadline=text, reason="应为 YYYY-MM-DD 格式的日期") from None
    if deadline <= inspected_on:
        raise InspectorError(
            BAD_DEADLINE, exit_code=2, deadline=text, reason=f"应晚于检查日期 {inspected_on.isoformat()}"
        )
    return deadline


def propose_grade(item_is_major_hazard: bool) -> str:
    """A violation of a major-accident-hazard item is proposed as major; the officer may change it."""
    return "major" if item_is_major_hazard else "general"


@dataclass(frozen=True)
class PastFinding:
    finding_id: str
    inspection_id: str
    item_id: str
    inspected_on: date


def repeat_of(item_id: str, history: list[PastFinding], current_inspection: str) -> list[PastFinding]:
    """屡查屡犯: the same item found at the same enterprise in an earlier inspection."""
    return [p for p in history if p.item_id == item_id and p.inspection_id != current_inspection]


@dataclass(frozen=True)
class ItemState:
    item_id: str
    result: str
    finding_count: int


BLOCKER_SIGNED = define("inspection.blocker.signed", "已签名", "already signed")
BLOCKER_TOO_FEW = define(
    "inspection.blocker.too_few",
    "执法人员不少于两名（当前 {count} 名）",
    "at least two officers are required ({count} listed)",
)
BLOCKER_NOTHING_CHECKED = define("inspection.blocker.nothing_checked", "尚未检查任何项目", "no item has been checked yet")
BLOCKER_VIOLATION_WITHOUT_FINDING = define(
    "inspection.blocker.violation_without_finding",
    "检查项 {item} 为“不符合”，但未登记隐患",
    "item {item} is marked as a violation but has no finding",
)


@dataclass(frozen=True)
class Blocker:
    """One reason an inspection cannot be signed yet: a message code and its parameters, rendered
    in whichever language the screen or command shows."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Blocker:
        return cls(code, tuple(sorted(params.items())))

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, lang, **dict(self.params))


def sign_blockers(inspectors: list[str], items: list[ItemState], status: str, reviews: int = 0) -> list[Blocker]:
    """Why an inspection cannot be signed yet; empty when it can. A re-inspection (整改复查) that
    only reviews earlier findings has something to sign."""
    reasons: list[Blocker] = []
    if status == "signed":
        reasons.append(Blocker.of(BLOCKER_SIGNED))
    if len(set(inspectors)) < MIN_INSPECTORS:
        reasons.append(Blocker.of(BLOCKER_TOO_FEW, count=len(set(inspectors))))
    if not reviews and not any(i.result != "not-checked" for i in items):
        reasons.append(Blocker.of(BLOCKER_NOTHING_CHECKED))
    for item in items:
        if item.result == "violation" and item.finding_count == 0:
            reasons.append(Blocker.of(BLOCKER_VIOLATION_WITHOUT_FINDING, item=item.item_id))
    return reasons


@dataclass(frozen=True)
class DeadlineState:
    finding_id: str
    deadline: date | None
    status: str  # "overdue" | "due-soon" | "open" | "no-deadline"
    days_left: int | None


def deadline_state(finding_id: str, deadline: date | None, today: date, soon_days: int = 7) -> DeadlineState:
    if deadline is None:
        return DeadlineState(finding_id, None, "no-deadline", None)
    left = (deadline - today).days
    status = "overdue" if left < 0 else "due-soon" if left <= soon_days else "open"
    return DeadlineState(finding_id, deadline, status, left)


def entry_overdue(inspected_on: date, entered_on: date) -> bool:
    """Was a hazard entered later than one month after the check?"""
    return entered_on - inspected_on > ENTRY_WINDOW
