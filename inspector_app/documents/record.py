"""Reading an ``inspector.record/1`` payload for printing: checked access and Chinese date formats."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from inspector_app.domain.messages import InspectorError, define

BAD_RECORD = define(
    "documents.bad_record",
    "检查记录数据有误（{field}）：{reason}",
    "The inspection record is invalid ({field}): {reason}",
)

SCHEMA = "inspector.record/1"
CHINA = timezone(timedelta(hours=8))


def bad(field: str, reason: str) -> InspectorError:
    return InspectorError(BAD_RECORD, field=field, reason=reason)


def parse_datetime(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise bad(field, "应为 ISO 8601 时间")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise bad(field, f"时间格式不对：{value}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA)
    return dt.astimezone(CHINA)


def parse_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise bad(field, "应为 YYYY-MM-DD 日期")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise bad(field, f"日期格式不对：{value}") from None


def ymd(d: date | datetime) -> dict[str, int]:
    return {"year": d.year, "month": d.month, "day": d.day}


def cn_datetime(dt: datetime | None) -> str:
    if not dt:
        return ""
    return f"{dt.year}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"


def _str(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass
class Inspector:
    name: str
    cert: str


@dataclass
class Finding:
    id: str
    item_id: str
    description: str
    location: str
    grade: str  # general | major
    deadline: date | None
    repeat_offence: bool
    self_reported: bool
    evidence: list[str]
    item: dict | None


class RecordView:
    """Checked, typed access to the parts of a record that documents print."""

    def __init__(self, record: Any):
        if not isinstance(record, dict):
            raise bad("record", "应为对象")
        if record.get("schema") != SCHEMA:
            raise bad("schema", f"应为 {SCHEMA}，实为 {record.get('schema')!r}")
        self.raw = record
        ent = record.get("enterprise")
        if not isinstance(ent, dict) or not _str(ent.get("name")).strip():
            raise bad("enterprise.name", "缺少被检查单位名称")
        self.enterprise = ent
        inspectors = record.get("inspectors")
        if not isinstance(inspectors, list):
            raise bad("inspectors", "应为列表")
        self.inspectors = []
        for i, p in enumerate(inspectors):
            if not isinstance(p, dict) or not _str(p.get("name")).strip():
                raise bad(f"inspectors[{i}].name", "缺少执法人员姓名")
            self.inspectors.append(Inspector(_str(p.get("name")).strip(), _str(p.get("cert")).strip()))
        self.started_at = parse_datetime(record.get("started_at"), "started_at")
        self.ended_at = parse_datetime(record.get("ended_at"), "ended_at")
        self.created_at = parse_datetime(record.get("created_at"), "created_at")
        items = record.get("items") or []
        if not isinstance(items, list):
            raise bad("items", "应为列表")
        self.items: list[dict] = []
        self.items_by_id: dict[str, dict] = {}
        for i, it in enumerate(items):
            if not isinstance(it, dict):
                raise bad(f"items[{i}]", "应为对象")
            self.items.append(it)
            self.items_by_id.setdefault(_str(it.get("item")), it)
        findings = record.get("findings") or []
        if not isinstance(findings, list):
            raise bad("findings", "应为列表")
        self.findings: list[Finding] = []
        for i, f in enumerate(findings):
            if not isinstance(f, dict):
                raise bad(f"findings[{i}]", "应为对象")
            grade = f.get("grade") or "general"
            if grade not in ("general", "major"):
                raise bad(f"findings[{i}].grade", f"应为 general 或 major，实为 {grade!r}")
            evidence = f.get("evidence") or []
            if not isinstance(evidence, list):
                raise bad(f"findings[{i}].evidence", "应为列表")
            item_id = _str(f.get("item"))
            self.findings.append(Finding(
                id=_str(f.get("id")) or str(i + 1),
                item_id=item_id,
                description=_str(f.get("description")),
                location=_str(f.get("location")),
                grade=grade,
                deadline=parse_date(f.get("deadline"), f"findings[{i}].deadline"),
                repeat_offence=bool(f.get("repeat_offence")),
                self_reported=bool(f.get("self_reported")),
                evidence=[_str(e) for e in evidence],
                item=self.items_by_id.get(item_id),
            ))
        ev = record.get("evidence") or []
        self.evidence = {_str(e.get("sha256")): e for e in ev if isinstance(e, dict)}

    @property
    def day(self) -> datetime | None:
        """The inspection's date: when it started (or ended, or was created)."""
        return self.started_at or self.ended_at or self.created_at

    def ent(self, key: str) -> str:
        return _str(self.enterprise.get(key)).strip()
