"""The inspection rules of domain/inspection.py as plain functions: why an inspection cannot be
signed (as translatable Blocker objects), deadlines and repeat offences."""
from __future__ import annotations

from datetime import date

import pytest

from inspector_app.domain import inspection as rules
from inspector_app.domain.messages import InspectorError, catalogue

TWO = ["A-1", "A-2"]


def checked(*results: str, findings: int = 0) -> list[rules.ItemState]:
    return [rules.ItemState(f"I{n}", r, findings) for n, r in enumerate(results, 1)]


def test_a_complete_inspection_can_be_signed():
    assert rules.sign_blockers(TWO, checked("compliant", "not-applicable", "not-checked"), "draft") == []
    assert rules.sign_blockers(TWO, checked("violation", findings=1), "draft") == []


def test_too_few_officers_in_both_languages():
    (b,) = rules.sign_blockers(["A-1", "A-1"], checked("compliant"), "draft")
    assert b == rules.Blocker.of("inspection.blocker.too_few", count=1)
    assert b.text("zh") == "执法人员不少于两名（当前 1 名）"
    assert b.text("en") == "at least two officers are required (1 listed)"


def test_nothing_checked_in_both_languages():
    (b,) = rules.sign_blockers(TWO, checked("not-checked", "not-checked"), "draft")
    assert b.code == "inspection.blocker.nothing_checked"
    assert b.text("zh") == "尚未检查任何项目"
    assert b.text("en") == "no item has been checked yet"
    (b,) = rules.sign_blockers(TWO, [], "draft")
    assert b.code == "inspection.blocker.nothing_checked"


def test_violation_without_finding_names_the_item():
    blockers = rules.sign_blockers(TWO, checked("violation", "compliant", "violation"), "draft")
    assert [b.code for b in blockers] == ["inspection.blocker.violation_without_finding"] * 2
    assert dict(blockers[0].params) == {"item": "I1"} and dict(blockers[1].params) == {"item": "I3"}
    assert blockers[1].text("zh") == "检查项 I3 为“不符合”，但未登记隐患"
    assert blockers[1].text("en") == "item I3 is marked as a violation but has no finding"


def test_signed_and_several_reasons_in_order():
    blockers = rules.sign_blockers(["A-1"], checked("not-checked"), "signed")
    assert [b.code for b in blockers] == ["inspection.blocker.signed", "inspection.blocker.too_few",
                                          "inspection.blocker.nothing_checked"]
    assert blockers[0].text("zh") == "已签名" and blockers[0].text("en") == "already signed"
    assert blockers[0].text() == blockers[0].text("zh")  # Chinese by default


def test_a_review_only_inspection_is_signable():
    assert rules.sign_blockers(TWO, checked("not-checked"), "draft", reviews=1) == []
    assert rules.sign_blockers(TWO, [], "draft", reviews=2) == []
    # reviews do not excuse the other reasons
    assert [b.code for b in rules.sign_blockers(["A-1"], [], "draft", reviews=1)] == ["inspection.blocker.too_few"]


def test_blockers_are_hashable_values_with_both_languages_defined():
    b = rules.Blocker.of("inspection.blocker.violation_without_finding", item="X")
    assert b == rules.Blocker.of("inspection.blocker.violation_without_finding", item="X")
    assert len({b, rules.Blocker.of("inspection.blocker.violation_without_finding", item="X")}) == 1
    with pytest.raises(AttributeError):
        b.code = "other"  # frozen
    messages = catalogue()
    for code in ("inspection.blocker.signed", "inspection.blocker.too_few", "inspection.blocker.nothing_checked",
                 "inspection.blocker.violation_without_finding"):
        assert messages[code].placeholders("zh") == messages[code].placeholders("en")


@pytest.mark.parametrize("left, status", [(-1, "overdue"), (0, "due-soon"), (7, "due-soon"), (8, "open")])
def test_deadline_state(left, status):
    today = date(2026, 3, 10)
    deadline = date.fromordinal(today.toordinal() + left)
    s = rules.deadline_state("f1", deadline, today)
    assert (s.finding_id, s.deadline, s.status, s.days_left) == ("f1", deadline, status, left)


def test_deadline_state_without_deadline_and_custom_window():
    s = rules.deadline_state("f1", None, date(2026, 3, 10))
    assert (s.status, s.days_left, s.deadline) == ("no-deadline", None, None)
    assert rules.deadline_state("f1", date(2026, 3, 20), date(2026, 3, 10), soon_days=10).status == "due-soon"


def test_parse_deadline():
    on = date(2026, 3, 10)
    assert rules.parse_deadline("2026-04-10", on) == date(2026, 4, 10)
    assert rules.parse_deadline("2026-03-11", on) == date(2026, 3, 11)
    for bad in ("2026-03-10", "2026-03-09", "2026-02-30", "next week", ""):
        with pytest.raises(InspectorError) as err:
            rules.parse_deadline(bad, on)
        assert err.value.code == "inspection.bad_deadline" and err.value.exit_code == 2
        assert err.value.params["deadline"] == bad


def test_repeat_of_finds_the_same_item_in_other_inspections():
    history = [
        rules.PastFinding("f1", "insp-1", "A.1", date(2025, 5, 1)),
        rules.PastFinding("f2", "insp-2", "A.2", date(2025, 9, 1)),
        rules.PastFinding("f3", "insp-3", "A.1", date(2026, 1, 1)),
        rules.PastFinding("f4", "insp-now", "A.1", date(2026, 3, 10)),
    ]
    assert [p.finding_id for p in rules.repeat_of("A.1", history, "insp-now")] == ["f1", "f3"]
    assert rules.repeat_of("B.9", history, "insp-now") == []
    assert rules.repeat_of("A.1", [], "insp-now") == []
