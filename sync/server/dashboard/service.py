"""The supervisors' figures and the lists behind them, from the read model (models.py).

Every figure on the dashboard is a count of some list's rows with the same filters, so a figure
links to its list and the list exports to Excel and CSV. Rules (docs/supervisor.md):

* an inspection counts once: an amended record is replaced by its amendment (``superseded_by``);
* a record with 整改复查 entries (``reviews``) is a re-inspection (复查): shown, but not counted
  against the annual cap;
* a finding is open until a later record reviews it "rectified"; overdue when its deadline has
  passed (before today, China time) and it is still open; late (未在一个月内录入) when its record
  reached the server more than one calendar month after the check;
* 屡查屡犯: a finding flagged repeat_offence by the inspectors, or the same catalogue item found at
  the same enterprise in another inspection;
* 两重点一重大: an enterprise with a major hazard source, a key supervised process or a key
  supervised chemical (registry data when the enterprise is in the registry, else the latest record's
  snapshot); covered in a year when it had an inspection that year.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from inspector_app.domain.enterprise import KINDS
from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from . import index
from .models import DashEnterprise, DashFinding, DashInspection, DashInspectionInspector

BAD_FILTER = define("dashboard.bad_filter", "查询条件“{name}”的值“{value}”无效：{reason}",
                    "The filter \"{name}\" has an invalid value \"{value}\": {reason}")
UNKNOWN_LIST = define("dashboard.unknown_list", "没有名为“{name}”的清单", "There is no list named \"{name}\"")

PAGE_SIZE = 100
GRADES = {"general": "一般隐患", "major": "重大事故隐患"}
STATUSES = {"open": "未整改（全部）", "overdue": "已逾期未整改", "pending": "整改期限内", "closed": "已整改（全部）",
            "ontime": "按期整改", "closedlate": "逾期后整改", "due": "已到期（按期+逾期后+逾期未改）"}


def today() -> _dt.date:
    return clock.now().astimezone(index.CHINA).date()


def kind_name(kind: str) -> str:
    return KINDS.get(kind, kind or "（未填）")


# --- filters --------------------------------------------------------------------------------------
@dataclass
class Filters:
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default=None):
        return self.values.get(name, default)

    def query(self, **override) -> dict[str, str]:
        out = {k: str(v) for k, v in self.values.items() if v not in (None, "")}
        for k, v in override.items():
            if v in (None, ""):
                out.pop(k, None)
            else:
                out[k] = str(v)
        return out


def _bad(name: str, value: str, reason: str) -> InspectorError:
    return InspectorError(BAD_FILTER, exit_code=2, name=name, value=str(value)[:60], reason=reason)


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _bad(name, raw, f"应为 {low} 至 {high} 的整数") from None
    if not low <= value <= high:
        raise _bad(name, raw, f"应为 {low} 至 {high} 的整数")
    return value


def _text(name: str, raw: str) -> str:
    if len(raw) > 200 or any(ord(c) < 32 for c in raw):
        raise _bad(name, raw, "过长或含控制字符")
    return raw.strip()


def _choice(name: str, raw: str, choices) -> str:
    if raw not in choices:
        raise _bad(name, raw, "可选：" + "、".join(choices))
    return raw


PARSERS: dict[str, Callable[[str, str], Any]] = {
    "year": lambda n, v: _int(n, v, 2000, 2100),
    "month": lambda n, v: _int(n, v, 1, 12),
    "closed_year": lambda n, v: _int(n, v, 2000, 2100),
    "due_year": lambda n, v: _int(n, v, 2000, 2100),
    "closed_month": lambda n, v: _int(n, v, 1, 12),
    "page": lambda n, v: _int(n, v, 1, 1_000_000),
    "status": lambda n, v: _choice(n, v, STATUSES),
    "grade": lambda n, v: _choice(n, v, GRADES),
    "late": lambda n, v: _choice(n, v, ("1", "0")),
    "key": lambda n, v: _choice(n, v, ("1", "0")),
    "covered": lambda n, v: _choice(n, v, ("1", "0")),
    "type": lambda n, v: _choice(n, v, ("inspection", "review")),
    "repeat": lambda n, v: _choice(n, v, ("1",)),
    "cert": _text, "kind": _text, "township": _text, "enterprise": _text, "q": _text,
}


def parse_filters(raw: dict[str, str], allowed: tuple[str, ...]) -> Filters:
    """Checked filters of a list or the dashboard; unknown names are ignored, bad values refused."""
    values: dict[str, Any] = {}
    for name in allowed:
        if name in raw and raw[name] != "":
            values[name] = PARSERS[name](name, raw[name])
    return Filters(values)


# --- the registry folded into the enterprise rows ---------------------------------------------------
def refresh_registry(ctx: Context) -> int:
    """Fold registry versions newer than the read model's into it (cheap when nothing changed)."""
    from ..pulls.models import EnterpriseVersion

    with ctx.db.read() as session:
        newest = session.scalar(select(func.max(EnterpriseVersion.rev))) or 0
        folded = session.scalar(select(func.max(DashEnterprise.registry_rev))) or 0
    if newest <= folded:
        return 0
    with ctx.db.write() as session:
        rows = session.execute(select(EnterpriseVersion.rev, EnterpriseVersion.data)
                               .where(EnterpriseVersion.rev > folded).order_by(EnterpriseVersion.rev)).all()
        return index.fold_registry(session, rows)


# --- the dashboard ----------------------------------------------------------------------------------
def _inspections_in(year: int):
    return and_(DashInspection.year == year, DashInspection.superseded_by.is_(None))


def _open():
    return and_(DashFinding.active.is_(True), DashFinding.closed_date.is_(None))


def summary(ctx: Context, year: int, *, cap: int, target: int, on: _dt.date | None = None) -> dict:
    on = on or today()
    t = on.isoformat()
    refresh_registry(ctx)
    if index.behind(ctx):  # a record whose indexing failed in its push (logged): index it now
        index.catch_up(ctx, max_batches=1)
    with ctx.db.read() as s:
        by_month = {m: (n, r) for m, n, r in s.execute(
            select(DashInspection.month, func.count(), func.sum(case((DashInspection.reviews > 0, 1), else_=0)))
            .where(_inspections_in(year)).group_by(DashInspection.month))}
        by_kind = s.execute(
            select(DashInspection.enterprise_kind, func.count()).where(_inspections_in(year))
            .group_by(DashInspection.enterprise_kind).order_by(func.count().desc())).all()
        by_inspector = s.execute(
            select(DashInspectionInspector.cert, func.max(DashInspectionInspector.name), func.count())
            .where(DashInspectionInspector.year == year, DashInspectionInspector.active.is_(True))
            .group_by(DashInspectionInspector.cert).order_by(func.count().desc(), DashInspectionInspector.cert)).all()
        found = {m: (n, major, late) for m, n, major, late in s.execute(
            select(DashFinding.month, func.count(), func.sum(case((DashFinding.grade == "major", 1), else_=0)),
                   func.sum(case((DashFinding.late.is_(True), 1), else_=0)))
            .where(DashFinding.active.is_(True), DashFinding.year == year).group_by(DashFinding.month))}
        closed = dict(s.execute(
            select(DashFinding.closed_month, func.count())
            .where(DashFinding.active.is_(True), DashFinding.closed_year == year).group_by(DashFinding.closed_month)).all())
        open_total, overdue = s.execute(
            select(func.count(), func.sum(case((DashFinding.deadline < t, 1), else_=0))).where(_open())).one()
        first, last = f"{year}-01-01", min(f"{year}-12-31", (on - _dt.timedelta(days=1)).isoformat())
        ontime, closedlate, dueopen = s.execute(
            select(func.sum(case((DashFinding.closed_date <= DashFinding.deadline, 1), else_=0)),
                   func.sum(case((DashFinding.closed_date > DashFinding.deadline, 1), else_=0)),
                   func.sum(case((DashFinding.closed_date.is_(None), 1), else_=0)))
            .where(DashFinding.active.is_(True), DashFinding.deadline >= first, DashFinding.deadline <= last)).one()
        repeat_enterprises = s.scalar(
            select(func.count(func.distinct(DashFinding.enterprise_code)))
            .where(DashFinding.active.is_(True), or_(DashFinding.repeat_offence.is_(True), DashFinding.repeat_seen.is_(True))))
        counted = (select(DashInspection.enterprise_code, func.count().label("n"))
                   .where(_inspections_in(year), DashInspection.reviews == 0)
                   .group_by(DashInspection.enterprise_code).subquery())
        over_cap = s.scalar(select(func.count()).select_from(counted).where(counted.c.n > cap))
        over_target = s.scalar(select(func.count()).select_from(counted).where(counted.c.n > target))
        covered_expr = exists().where(DashInspection.enterprise_code == DashEnterprise.code, DashInspection.year == year)
        townships = s.execute(
            select(DashEnterprise.township, func.count(), func.sum(case((covered_expr, 1), else_=0)))
            .where(DashEnterprise.key.is_(True)).group_by(DashEnterprise.township).order_by(DashEnterprise.township)).all()
    months = list(range(1, 13))
    key_total = sum(n for _, n, _ in townships)
    key_covered = sum(int(c or 0) for _, _, c in townships)
    start, end = _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    elapsed = 0.0 if on < start else 1.0 if on > end else ((on - start).days + 1) / ((end - start).days + 1)
    inspections_total = sum(n for n, _ in by_month.values())
    return {
        "year": year, "today": t, "cap": cap, "target": target,
        "inspections": {"total": inspections_total, "reviews": sum(int(r or 0) for _, r in by_month.values()),
                        "by_month": [(m, by_month.get(m, (0, 0))[0]) for m in months],
                        "by_kind": [(k, kind_name(k), n) for k, n in by_kind],
                        "by_inspector": [(c, name, n) for c, name, n in by_inspector]},
        "findings": {"total": sum(v[0] for v in found.values()), "major": sum(int(v[1] or 0) for v in found.values()),
                     "late": sum(int(v[2] or 0) for v in found.values()),
                     "found_by_month": [(m, found.get(m, (0, 0, 0))[0]) for m in months],
                     "closed_by_month": [(m, closed.get(m, 0)) for m in months],
                     "open": open_total or 0, "overdue": int(overdue or 0)},
        "rectification": {"ontime": int(ontime or 0), "closedlate": int(closedlate or 0), "dueopen": int(dueopen or 0)},
        "repeat_enterprises": repeat_enterprises or 0,
        "over_cap": over_cap or 0, "over_target": over_target or 0,
        "coverage": {"total": key_total, "covered": key_covered,
                     "ratio": (key_covered / key_total) if key_total else 0.0, "expected": elapsed,
                     "by_township": [(tw or "（未填）", tw, n, int(c or 0)) for tw, n, c in townships]},
    }


# --- lists ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int = 14
    html: bool = True      # shown on the page (every column is exported)


@dataclass
class ListSpec:
    name: str
    title: str
    filters: tuple[str, ...]
    columns: tuple[Column, ...]
    query: Callable[[Filters, _dt.date], Any]      # -> a select of the rows, ordered
    row: Callable[[Any, _dt.date], dict]
    link: Callable[[dict], str | None] = lambda r: None


def _finding_status(closed_date: str | None, deadline: str | None, on: str) -> str:
    if closed_date:
        return "逾期后整改" if deadline and closed_date > deadline else "已整改"
    if deadline and deadline < on:
        return "已逾期"
    return "整改中"


def _inspections_query(f: Filters, on: _dt.date):
    q = select(DashInspection).where(DashInspection.superseded_by.is_(None))
    if f.get("year"):
        q = q.where(DashInspection.year == f.get("year"))
    if f.get("month"):
        q = q.where(DashInspection.month == f.get("month"))
    if f.get("kind") is not None:
        q = q.where(DashInspection.enterprise_kind == f.get("kind"))
    if f.get("township") is not None:
        q = q.where(DashInspection.township == f.get("township"))
    if f.get("enterprise"):
        q = q.where(DashInspection.enterprise_code == f.get("enterprise"))
    if f.get("type") == "review":
        q = q.where(DashInspection.reviews > 0)
    elif f.get("type") == "inspection":
        q = q.where(DashInspection.reviews == 0)
    if f.get("late"):
        q = q.where(DashInspection.late.is_(f.get("late") == "1"))
    if f.get("cert"):
        q = q.where(exists().where(DashInspectionInspector.record_hash == DashInspection.record_hash,
                                   DashInspectionInspector.cert == f.get("cert")))
    return q.order_by(DashInspection.started_at.desc(), DashInspection.record_hash)


def _inspection_row(r, on) -> dict:
    return {"date": r.inspection_date, "enterprise_name": r.enterprise_name, "enterprise_code": r.enterprise_code,
            "kind": kind_name(r.enterprise_kind), "township": r.township, "type": "整改复查" if r.reviews else "检查",
            "inspectors": r.inspectors, "findings": r.findings, "major": r.major,
            "received": r.received_at[:10], "late": "是" if r.late else "否", "hash": r.record_hash}


def _findings_query(f: Filters, on: _dt.date):
    t = on.isoformat()
    q = select(DashFinding).where(DashFinding.active.is_(True))
    if f.get("year"):
        q = q.where(DashFinding.year == f.get("year"))
    if f.get("month"):
        q = q.where(DashFinding.month == f.get("month"))
    if f.get("closed_year"):
        q = q.where(DashFinding.closed_year == f.get("closed_year"))
    if f.get("closed_month"):
        q = q.where(DashFinding.closed_month == f.get("closed_month"))
    if f.get("grade"):
        q = q.where(DashFinding.grade == f.get("grade"))
    if f.get("late"):
        q = q.where(DashFinding.late.is_(f.get("late") == "1"))
    if f.get("repeat"):
        q = q.where(or_(DashFinding.repeat_offence.is_(True), DashFinding.repeat_seen.is_(True)))
    if f.get("enterprise"):
        q = q.where(DashFinding.enterprise_code == f.get("enterprise"))
    if f.get("township") is not None:
        q = q.where(DashFinding.township == f.get("township"))
    if f.get("due_year"):
        q = q.where(DashFinding.deadline >= f"{f.get('due_year')}-01-01", DashFinding.deadline <= f"{f.get('due_year')}-12-31")
    status = f.get("status")
    if status in ("open", "overdue", "pending"):
        q = q.where(DashFinding.closed_date.is_(None))
        if status == "overdue":
            q = q.where(DashFinding.deadline < t)
        elif status == "pending":
            q = q.where(or_(DashFinding.deadline.is_(None), DashFinding.deadline >= t))
    elif status == "closed":
        q = q.where(DashFinding.closed_date.is_not(None))
    elif status in ("ontime", "closedlate", "due"):
        q = q.where(DashFinding.deadline < t)
        if status == "ontime":
            q = q.where(DashFinding.closed_date <= DashFinding.deadline)
        elif status == "closedlate":
            q = q.where(DashFinding.closed_date > DashFinding.deadline)
    return q.order_by(DashFinding.found_date.desc(), DashFinding.id.desc())


def _finding_row(r, on) -> dict:
    return {"found": r.found_date, "enterprise_name": r.enterprise_name, "enterprise_code": r.enterprise_code,
            "township": r.township, "item": r.item, "matter": r.matter, "description": r.description,
            "location": r.location, "grade": GRADES.get(r.grade, r.grade), "deadline": r.deadline or "",
            "status": _finding_status(r.closed_date, r.deadline, on.isoformat()), "closed": r.closed_date or "",
            "repeat": "是" if (r.repeat_offence or r.repeat_seen) else "否",
            "self_reported": "是" if r.self_reported else "否", "late": "是" if r.late else "否",
            "received": r.received_at[:10], "hash": r.record_hash}


def _coverage_query(f: Filters, on: _dt.date):
    year = f.get("year") or on.year
    last = (select(func.max(DashInspection.inspection_date))
            .where(DashInspection.enterprise_code == DashEnterprise.code, DashInspection.year == year)
            .correlate(DashEnterprise).scalar_subquery())
    count = (select(func.count()).where(DashInspection.enterprise_code == DashEnterprise.code,
                                        DashInspection.year == year, DashInspection.superseded_by.is_(None))
             .correlate(DashEnterprise).scalar_subquery())
    q = select(DashEnterprise, last.label("last"), count.label("n")).where(DashEnterprise.key.is_(True))
    if f.get("township") is not None:
        q = q.where(DashEnterprise.township == f.get("township"))
    if f.get("covered") == "1":
        q = q.where(last.is_not(None))
    elif f.get("covered") == "0":
        q = q.where(last.is_(None))
    return q.order_by(DashEnterprise.township, DashEnterprise.name, DashEnterprise.code)


def _coverage_row(r, on) -> dict:
    e = r[0]
    return {"township": e.township, "enterprise_name": e.name, "enterprise_code": e.code, "kind": kind_name(e.kind),
            "reasons": e.key_reasons, "covered": "已检查" if r.last else "未检查", "last": r.last or "",
            "count": r.n or 0}


def _repeat_query(f: Filters, on: _dt.date):
    flagged = or_(DashFinding.repeat_offence.is_(True), DashFinding.repeat_seen.is_(True))
    q = (select(DashFinding.enterprise_code, func.max(DashFinding.enterprise_name).label("name"),
                func.max(DashFinding.township).label("township"),
                func.count(func.distinct(DashFinding.item)).label("items"),
                func.count().label("findings"), func.count(func.distinct(DashFinding.root)).label("inspections"),
                func.max(DashFinding.found_date).label("last"),
                func.sum(case((DashFinding.closed_date.is_(None), 1), else_=0)).label("open"))
         .where(DashFinding.active.is_(True), flagged))
    if f.get("township") is not None:
        q = q.where(DashFinding.township == f.get("township"))
    return q.group_by(DashFinding.enterprise_code).order_by(func.count().desc(), DashFinding.enterprise_code)


def _repeat_row(r, on) -> dict:
    return {"enterprise_name": r.name, "enterprise_code": r.enterprise_code, "township": r.township,
            "items": r.items, "findings": r.findings, "inspections": r.inspections, "open": int(r.open or 0),
            "last": r.last}


def _overcap_query(f: Filters, on: _dt.date, *, cap: int = 2):
    year = f.get("year") or on.year
    limit = f.get("cap", cap)
    n = func.count()
    return (select(DashInspection.enterprise_code, func.max(DashInspection.enterprise_name).label("name"),
                   func.max(DashInspection.township).label("township"), func.max(DashInspection.enterprise_kind).label("kind"),
                   n.label("n"), func.min(DashInspection.inspection_date).label("first"),
                   func.max(DashInspection.inspection_date).label("last"))
            .where(_inspections_in(year), DashInspection.reviews == 0)
            .group_by(DashInspection.enterprise_code).having(n > limit)
            .order_by(n.desc(), DashInspection.enterprise_code))


def _overcap_row(r, on) -> dict:
    return {"enterprise_name": r.name, "enterprise_code": r.enterprise_code, "township": r.township,
            "kind": kind_name(r.kind), "count": r.n, "first": r.first, "last": r.last}


def _enterprises_query(f: Filters, on: _dt.date):
    q = select(DashEnterprise)
    if f.get("q"):
        like = "%" + f.get("q").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(DashEnterprise.name.like(like, escape="\\"), DashEnterprise.code.like(like, escape="\\")))
    if f.get("key"):
        q = q.where(DashEnterprise.key.is_(f.get("key") == "1"))
    if f.get("township") is not None:
        q = q.where(DashEnterprise.township == f.get("township"))
    if f.get("kind") is not None:
        q = q.where(DashEnterprise.kind == f.get("kind"))
    return q.order_by(DashEnterprise.township, DashEnterprise.name, DashEnterprise.code)


def _enterprise_row(e, on) -> dict:
    return {"enterprise_name": e.name, "enterprise_code": e.code, "kind": kind_name(e.kind), "township": e.township,
            "address": e.address, "key": "是" if e.key else "否", "reasons": e.key_reasons,
            "registry": "是" if e.in_registry else "否"}


C = Column
LISTS: dict[str, ListSpec] = {s.name: s for s in (
    ListSpec("inspections", "检查记录",
             ("year", "month", "cert", "kind", "township", "enterprise", "type", "late", "page"),
             (C("date", "检查日期", 12), C("enterprise_name", "企业名称", 30),
              C("enterprise_code", "统一社会信用代码", 22, False),
              C("kind", "企业类型", 16), C("township", "乡镇（街道）", 12), C("type", "类型", 10),
              C("inspectors", "执法人员", 30), C("findings", "隐患数", 8), C("major", "重大隐患", 8),
              C("received", "录入日期", 12), C("late", "超过一个月录入", 10)),
             _inspections_query, _inspection_row, lambda r: f"/inspections/{r['hash']}"),
    ListSpec("findings", "隐患",
             ("year", "month", "closed_year", "closed_month", "due_year", "status", "grade", "late", "repeat", "enterprise",
              "township", "page"),
             (C("found", "发现日期", 12), C("enterprise_name", "企业名称", 30),
              C("enterprise_code", "统一社会信用代码", 22, False), C("township", "乡镇（街道）", 12),
              C("item", "检查项", 12, False), C("matter", "检查事项", 24), C("description", "问题描述", 40),
              C("location", "部位", 16, False), C("grade", "等级", 12), C("deadline", "整改期限", 12),
              C("status", "整改情况", 12), C("closed", "复查整改日期", 12), C("repeat", "屡查屡犯", 8),
              C("self_reported", "企业自查自报", 8, False), C("late", "超过一个月录入", 10),
              C("received", "录入日期", 12, False)),
             _findings_query, _finding_row, lambda r: f"/inspections/{r['hash']}"),
    ListSpec("coverage", "“两重点一重大”企业检查覆盖",
             ("year", "township", "covered", "page"),
             (C("township", "乡镇（街道）", 12), C("enterprise_name", "企业名称", 30), C("enterprise_code", "统一社会信用代码", 22),
              C("kind", "企业类型", 16, False), C("reasons", "重点监管情况", 50), C("covered", "本年度", 10),
              C("last", "最近检查", 12), C("count", "本年检查次数", 10)),
             _coverage_query, _coverage_row, lambda r: f"/enterprises/{r['enterprise_code']}"),
    ListSpec("repeat", "屡查屡犯企业",
             ("township", "page"),
             (C("enterprise_name", "企业名称", 30), C("enterprise_code", "统一社会信用代码", 22), C("township", "乡镇（街道）", 12),
              C("items", "重复检查项数", 10), C("findings", "相关隐患数", 10), C("inspections", "涉及检查次数", 10),
              C("open", "未整改", 8), C("last", "最近发现", 12)),
             _repeat_query, _repeat_row, lambda r: f"/enterprises/{r['enterprise_code']}"),
    ListSpec("overcap", "超过年度检查上限的企业",
             ("year", "page"),
             (C("enterprise_name", "企业名称", 30), C("enterprise_code", "统一社会信用代码", 22), C("township", "乡镇（街道）", 12),
              C("kind", "企业类型", 16), C("count", "本年检查次数", 10), C("first", "首次", 12), C("last", "最近", 12)),
             _overcap_query, _overcap_row, lambda r: f"/enterprises/{r['enterprise_code']}"),
    ListSpec("enterprises", "企业名录（一企一档）",
             ("q", "key", "township", "kind", "page"),
             (C("enterprise_name", "企业名称", 30), C("enterprise_code", "统一社会信用代码", 22), C("kind", "企业类型", 16),
              C("township", "乡镇（街道）", 12), C("address", "地址", 30), C("key", "两重点一重大", 10),
              C("reasons", "重点监管情况", 50), C("registry", "在企业名录中", 10)),
             _enterprises_query, _enterprise_row, lambda r: f"/enterprises/{r['enterprise_code']}"),
)}


def spec(name: str) -> ListSpec:
    found = LISTS.get(name)
    if found is None:
        raise InspectorError(UNKNOWN_LIST, exit_code=2, name=str(name)[:60])
    return found


def _statement(s: ListSpec, f: Filters, on: _dt.date, cap: int):
    if s.name == "overcap":
        return _overcap_query(f, on, cap=cap)
    return s.query(f, on)


def _scalars(s: ListSpec) -> bool:
    return s.name in ("inspections", "findings", "enterprises")


def page(ctx: Context, name: str, f: Filters, *, cap: int, on: _dt.date | None = None) -> dict:
    s = spec(name)
    on = on or today()
    if name in ("coverage", "enterprises"):
        refresh_registry(ctx)
    number = f.get("page") or 1
    stmt = _statement(s, f, on, cap)
    with ctx.db.read() as session:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        result = session.execute(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE))
        rows = [s.row(r, on) for r in (result.scalars() if _scalars(s) else result)]
    for r in rows:
        r["_link"] = s.link(r)
    return {"spec": s, "rows": rows, "total": total, "page": number,
            "pages": max(1, -(-total // PAGE_SIZE)), "filters": f}


def iter_rows(ctx: Context, name: str, f: Filters, *, cap: int, on: _dt.date | None = None) -> Iterator[dict]:
    """Every row of a list (for exports), streamed from the database in batches."""
    s = spec(name)
    on = on or today()
    if name in ("coverage", "enterprises"):
        refresh_registry(ctx)
    stmt = _statement(s, f, on, cap).execution_options(yield_per=2000)
    with ctx.db.read() as session:
        result = session.execute(stmt)
        for r in (result.scalars() if _scalars(s) else result):
            yield s.row(r, on)


def describe_filters(f: Filters) -> list[str]:
    out = []
    labels = {"year": "年度", "month": "月份", "closed_year": "整改年度", "closed_month": "整改月份", "due_year": "整改期限年度",
              "cert": "执法证号", "kind": "企业类型", "township": "乡镇（街道）", "enterprise": "企业",
              "q": "关键词"}
    for k, v in f.values.items():
        if k == "page":
            continue
        if k == "status":
            out.append("整改情况：" + STATUSES[v])
        elif k == "grade":
            out.append("等级：" + GRADES[v])
        elif k == "late":
            out.append("超过一个月录入" if v == "1" else "一个月内录入")
        elif k == "key":
            out.append("两重点一重大" if v == "1" else "非重点企业")
        elif k == "covered":
            out.append("本年度已检查" if v == "1" else "本年度未检查")
        elif k == "type":
            out.append("整改复查" if v == "review" else "检查（不含复查）")
        elif k == "repeat":
            out.append("屡查屡犯")
        elif k == "kind":
            out.append(f"企业类型：{kind_name(v)}")
        else:
            out.append(f"{labels.get(k, k)}：{v if v != '' else '（未填）'}")
    return out


# --- one enterprise (一企一档) -----------------------------------------------------------------------
def enterprise_file(ctx: Context, code: str, *, cap: int, on: _dt.date | None = None) -> dict | None:
    on = on or today()
    refresh_registry(ctx)
    with ctx.db.read() as s:
        e = s.get(DashEnterprise, code)
        if e is None:
            return None
        inspections = [_inspection_row(r, on) | {"superseded": r.superseded_by}
                       for r in s.scalars(select(DashInspection).where(DashInspection.enterprise_code == code)
                                          .order_by(DashInspection.started_at.desc()))]
        findings = [_finding_row(r, on) for r in s.scalars(
            select(DashFinding).where(DashFinding.enterprise_code == code, DashFinding.active.is_(True))
            .order_by(DashFinding.found_date.desc(), DashFinding.id))]
        per_year = s.execute(
            select(DashInspection.year, func.count()).where(DashInspection.enterprise_code == code,
                                                            DashInspection.superseded_by.is_(None),
                                                            DashInspection.reviews == 0)
            .group_by(DashInspection.year).order_by(DashInspection.year.desc())).all()
        info = {"code": e.code, "name": e.name, "kind": kind_name(e.kind), "industry": e.industry,
                "township": e.township, "address": e.address, "key": e.key, "key_reasons": e.key_reasons,
                "in_registry": e.in_registry}
    registry = None
    if info["in_registry"]:
        from ..pulls.models import EnterpriseVersion

        with ctx.db.read() as s:
            registry = s.scalar(select(EnterpriseVersion.data).where(EnterpriseVersion.code == code)
                                .order_by(EnterpriseVersion.rev.desc()).limit(1))
    return {"enterprise": info, "registry": registry, "inspections": inspections, "findings": findings,
            "per_year": [(y, n, n > cap) for y, n in per_year],
            "open": sum(1 for f in findings if f["status"] in ("整改中", "已逾期")),
            "overdue": sum(1 for f in findings if f["status"] == "已逾期"),
            "repeat_items": sorted({f["item"] for f in findings if f["repeat"] == "是"})}


def pool_enterprises(ctx: Context) -> list[dict]:
    """The enterprise pool of a draw: every enterprise the county knows, with its key flag."""
    refresh_registry(ctx)
    with ctx.db.read() as s:
        return [{"code": e.code, "name": e.name or e.code, "township": e.township or "", "kind": e.kind or "",
                 "key": bool(e.key)} for e in s.scalars(select(DashEnterprise).order_by(DashEnterprise.code))]

