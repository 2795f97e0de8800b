"""Filling the dashboard's read model: one call when a record is stored, a catch-up for the rest.

``record_stored(session, row, payload)`` is called by records/service.py inside the transaction
that stores the record, in a SAVEPOINT: a failure here is logged and never refuses a push (the
record is indexed later by ``catch_up``, which runs when the web pages start). Indexing is
idempotent (a record already indexed is skipped) and independent of arrival order:

* amendments: a record whose ``amends`` names an earlier record supersedes it (its findings stop
  counting); every record of a chain shares the chain's ``root`` (its first record), whichever
  arrives first;
* 整改复查 (``reviews``, optional): ``{"finding", "record", "result": "rectified" | "not-rectified",
  "note"}``; a finding is closed on the date of the first later record with a "rectified" review of
  it (reviews naming any record of the finding's chain count);
* a record is "late" (隐患未在一个月内录入) when the server received it more than one calendar month
  after the check started (China time);
* the enterprise's row takes the registry's data when the enterprise is in the registry (pulls),
  else the latest snapshot a record carried.
"""
from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update

from .models import (
    DashEnterprise,
    DashFinding,
    DashInspection,
    DashInspectionInspector,
    DashReview,
)

log = logging.getLogger("inspector.server.dashboard")
CHINA = _dt.timezone(_dt.timedelta(hours=8))
REVIEW_RESULTS = ("rectified", "not-rectified")


# --- dates ----------------------------------------------------------------------------------------
def china_datetime(value: str) -> _dt.datetime:
    dt = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA)
    return dt.astimezone(CHINA)


def china_date(value: str) -> _dt.date:
    return china_datetime(value).date()


def add_month(d: _dt.date) -> _dt.date:
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    for day in (d.day, 30, 29, 28):
        try:
            return _dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def entered_late(started_at: str, received_at: str) -> bool:
    """Received more than one calendar month after the check started (both in China time)."""
    return china_date(received_at) > add_month(china_date(started_at))


# --- enterprises ----------------------------------------------------------------------------------
def key_reasons(data: dict) -> str:
    parts = []
    sources = [s for s in data.get("major_hazard_sources") or [] if isinstance(s, dict)]
    if sources:
        parts.append("重大危险源：" + "、".join(f"{s.get('name', '')}（{s.get('grade', '')}）" for s in sources))
    processes = [p for p in data.get("key_processes") or [] if isinstance(p, str)]
    if processes:
        parts.append("重点监管危险化工工艺：" + "、".join(processes))
    chemicals = [c for c in data.get("key_chemicals") or [] if isinstance(c, str)]
    if chemicals:
        parts.append("重点监管危险化学品：" + "、".join(chemicals))
    return "；".join(parts)


def enterprise_values(data: dict) -> dict:
    reasons = key_reasons(data)
    return {"name": str(data.get("name") or ""), "kind": str(data.get("kind") or ""),
            "industry": str(data.get("industry") or ""), "township": str(data.get("township") or ""),
            "address": str(data.get("address") or ""), "key": bool(reasons), "key_reasons": reasons}


def _dialect_insert(session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


def upsert_enterprise_from_record(session, snapshot: dict, started_at: str) -> None:
    values = enterprise_values(snapshot)
    code = snapshot["code"]
    row = session.get(DashEnterprise, code)
    if row is None:
        stmt = _dialect_insert(session, DashEnterprise.__table__).values(
            code=code, in_registry=False, registry_rev=0, last_record_at=started_at, **values)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["code"]))
        return
    if row.in_registry or (row.last_record_at or "") > started_at:
        if (row.last_record_at or "") < started_at:
            row.last_record_at = started_at
        return
    for k, v in values.items():
        setattr(row, k, v)
    row.last_record_at = started_at


def fold_registry(session, versions: Iterable[tuple[int, dict]]) -> int:
    """Registry versions (rev, data), oldest first, into the enterprise rows."""
    n = 0
    for rev, data in versions:
        code = data.get("code")
        if not code:
            continue
        values = enterprise_values(data)
        row = session.get(DashEnterprise, code)
        if row is None:
            session.add(DashEnterprise(code=code, in_registry=True, registry_rev=rev, last_record_at="", **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
            row.in_registry, row.registry_rev = True, rev
        n += 1
    session.flush()
    return n


# --- records --------------------------------------------------------------------------------------
def _reviews(payload: dict) -> list[dict]:
    out = []
    for r in payload.get("reviews") or []:
        if (isinstance(r, dict) and isinstance(r.get("finding"), str) and isinstance(r.get("record"), str)
                and r.get("result") in REVIEW_RESULTS):
            out.append({"finding": r["finding"], "record": r["record"], "result": r["result"],
                        "note": r.get("note") if isinstance(r.get("note"), str) else ""})
    return out


def _root_of(session, record_hash: str) -> str:
    root = session.scalar(select(DashInspection.root).where(DashInspection.record_hash == record_hash))
    return root or record_hash


def _close(session, root: str, finding_id: str, date: str, by: str) -> None:
    d = _dt.date.fromisoformat(date)
    session.execute(
        update(DashFinding)
        .where(DashFinding.root == root, DashFinding.finding_id == finding_id, DashFinding.found_date <= date,
               (DashFinding.closed_date.is_(None)) | (DashFinding.closed_date > date))
        .values(closed_date=date, closed_year=d.year, closed_month=d.month, closed_by=by))


def index_record(session, *, record_hash: str, seq: int, device: int, received_at: str, payload: dict) -> bool:
    """Index one record (False when it was indexed before)."""
    if session.get(DashInspection, record_hash) is not None:
        return False
    enterprise = payload["enterprise"]
    started = payload["started_at"]
    day = china_date(started)
    date = day.isoformat()
    amends = (payload.get("amends") or {}).get("record")
    root = _root_of(session, amends) if amends else record_hash
    child = session.scalar(select(DashInspection.record_hash).where(DashInspection.amends == record_hash).limit(1))
    active = child is None
    late = entered_late(started, received_at)
    findings = payload.get("findings") or []
    items = {i["item"]: i for i in payload.get("items") or []}
    reviews = _reviews(payload)
    inspectors = payload.get("inspectors") or []
    values = enterprise_values(enterprise)
    session.add(DashInspection(
        record_hash=record_hash, seq=seq, device=device, inspection_id=payload.get("inspection_id", ""), root=root,
        amends=amends, superseded_by=child, enterprise_code=enterprise["code"], enterprise_name=values["name"],
        enterprise_kind=values["kind"], township=values["township"], key=values["key"], started_at=started,
        inspection_date=date, year=day.year, month=day.month, received_at=received_at, late=late,
        findings=len(findings), major=sum(1 for f in findings if f.get("grade") == "major"), reviews=len(reviews),
        inspectors="、".join(f"{i['name']}（{i['cert']}）" for i in inspectors)))
    seen = set()
    people = []
    for i in inspectors:
        if i["cert"] in seen:
            continue
        seen.add(i["cert"])
        people.append({"record_hash": record_hash, "cert": i["cert"], "name": i["name"], "year": day.year,
                       "month": day.month, "active": active})
    if people:
        session.execute(insert(DashInspectionInspector), people)
    rows = []
    for f in findings:
        item = items.get(f.get("item"), {})
        rows.append({
            "record_hash": record_hash, "root": root, "finding_id": f["id"], "enterprise_code": enterprise["code"],
            "enterprise_name": values["name"], "township": values["township"], "item": f.get("item", ""),
            "matter": item.get("matter", ""), "description": f.get("description", ""),
            "location": f.get("location", ""), "grade": f.get("grade", "general"), "deadline": f.get("deadline"),
            "repeat_offence": bool(f.get("repeat_offence")), "repeat_seen": False, "self_reported": bool(f.get("self_reported")),
            "found_date": date, "year": day.year, "month": day.month, "received_at": received_at, "late": late,
            "active": active, "closed_date": None, "closed_year": None, "closed_month": None, "closed_by": None})
    if rows:
        session.execute(insert(DashFinding), rows)
    session.flush()

    if amends:
        session.execute(update(DashInspection).where(DashInspection.record_hash == amends)
                        .values(superseded_by=record_hash))
        session.execute(update(DashFinding).where(DashFinding.record_hash == amends).values(active=False))
        session.execute(update(DashInspectionInspector).where(DashInspectionInspector.record_hash == amends)
                        .values(active=False))
    if root != record_hash:
        # Records that arrived before this one and took this record as their chain's root.
        for model in (DashInspection, DashFinding, DashReview):
            session.execute(update(model).where(model.root == record_hash).values(root=root))

    for r in reviews:
        target_root = _root_of(session, r["record"])
        stmt = _dialect_insert(session, DashReview.__table__).values(
            review_record=record_hash, root=target_root, finding_id=r["finding"], target_record=r["record"],
            result=r["result"], note=r["note"], review_date=date)
        session.execute(stmt.on_conflict_do_nothing())
        if r["result"] == "rectified":
            _close(session, target_root, r["finding"], date, record_hash)
    if rows:
        # Reviews that arrived before the findings they close (from another device).
        ids = [f["id"] for f in findings]
        earlier = session.execute(
            select(DashReview.finding_id, func.min(DashReview.review_date), func.min(DashReview.review_record))
            .where(DashReview.root == root, DashReview.finding_id.in_(ids), DashReview.result == "rectified")
            .group_by(DashReview.finding_id)).all()
        for finding_id, review_date, by in earlier:
            _close(session, root, finding_id, review_date, by)
    if rows and active:
        _mark_repeats(session, enterprise["code"], root, sorted({r["item"] for r in rows}))
    upsert_enterprise_from_record(session, enterprise, started)
    return True


def _mark_repeats(session, code: str, root: str, items: list[str]) -> None:
    """屡查屡犯: the same item found at the same enterprise in another inspection (another chain)."""
    again = list(session.scalars(
        select(DashFinding.item).where(DashFinding.enterprise_code == code, DashFinding.item.in_(items),
                                       DashFinding.root != root, DashFinding.active.is_(True)).distinct()))
    if again:
        session.execute(update(DashFinding).where(DashFinding.enterprise_code == code, DashFinding.item.in_(again),
                                                  DashFinding.active.is_(True)).values(repeat_seen=True))


def record_stored(session, row, payload: dict) -> None:
    """The hook records/service.py calls after storing ``row`` (a StoredRecord) in ``session``."""
    try:
        with session.begin_nested():
            index_record(session, record_hash=row.hash, seq=row.seq, device=row.device, received_at=row.received_at,
                         payload=payload)
    except Exception:  # never refuse a push over the read model; catch_up indexes it later
        log.exception("dashboard: could not index record %s (will catch up)", row.hash)


def behind(ctx) -> bool:
    """Are there stored records the read model lacks? (Two counts: cheap.)"""
    from ..records.models import StoredRecord

    with ctx.db.read() as session:
        stored = session.scalar(select(func.count()).select_from(StoredRecord)) or 0
        indexed = session.scalar(select(func.count()).select_from(DashInspection).where(DashInspection.seq > 0)) or 0
    return stored > indexed


def catch_up(ctx, *, batch: int = 200, max_batches: int | None = None) -> int:
    """Index every stored record the read model lacks (records stored before this version, or
    whose indexing failed). Returns how many were indexed."""
    from inspector_app.crypto.canonical import loads_strict

    from ..records.models import StoredRecord

    done = 0
    last = 0
    rounds = 0
    while max_batches is None or rounds < max_batches:
        rounds += 1
        with ctx.db.read() as session:
            missing = list(session.execute(
                select(StoredRecord.seq, StoredRecord.hash)
                .where(StoredRecord.seq > last, StoredRecord.hash.not_in(select(DashInspection.record_hash)))
                .order_by(StoredRecord.seq).limit(batch)))
        if not missing:
            return done
        for seq, record_hash in missing:
            last = seq
            try:
                with ctx.db.write() as session:
                    row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
                    if index_record(session, record_hash=row.hash, seq=row.seq, device=row.device,
                                    received_at=row.received_at, payload=loads_strict(row.payload)):
                        done += 1
            except Exception:
                log.exception("dashboard: catch-up could not index %s", record_hash)
    return done


def payload_of(data: bytes) -> Any:
    from inspector_app.crypto.canonical import loads_strict

    return loads_strict(data)
