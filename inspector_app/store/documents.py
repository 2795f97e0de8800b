"""Printing a record as an official document: county settings, document numbers, photos, render.

One place for what the CLI's `doc render` and the app's print preview both do. A number is issued
once per record and document kind, inside a write transaction with its audit entry; printing the
same document again reprints the same number.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.documents import CountySettings, load_template, render
from inspector_app.domain import numbering
from inspector_app.domain import record as record_rules
from inspector_app.domain.messages import InspectorError

from . import models
from .clock import now_iso
from .records import find_record

COUNTY_KEYS = ("county_name", "bureau_name", "short_name", "seal_text", "reconsideration_body", "court")
SETTING_KEYS = COUNTY_KEYS + ("server_url", "device_slot")


def county_settings(ws, session: Session) -> CountySettings:
    values = {k: ws.setting(session, k) or "" for k in COUNTY_KEYS}
    return CountySettings(**values, server_url=ws.setting(session, "server_url") or None)


def device_slot(ws, session: Session) -> int:
    """The county-assigned slot (setting device_slot), else one derived from the device id."""
    slot = ws.setting(session, "device_slot")
    return int(slot) if slot else numbering.slot_from_device_id(ws.device_id)


def _blocks(session: Session, prefix: str, year: int) -> list[numbering.NumberBlock]:
    rows = session.scalars(select(models.NumberBlock).where(models.NumberBlock.prefix == prefix,
                                                            models.NumberBlock.year == year))
    return [numbering.NumberBlock(r.prefix, r.year, r.start, r.end, r.source, "") for r in rows]


def issued_number(session: Session, record_hash: str, kind: str) -> str | None:
    row = session.scalar(select(models.IssuedNumber).where(models.IssuedNumber.record_hash == record_hash,
                                                           models.IssuedNumber.kind == kind))
    return row.text if row else None


def issue_number(ws, session: Session, *, kind: str, record_hash: str, year: int, short_name: str) -> str:
    """The record's number for this kind of document: the one issued before, or the next free one."""
    existing = issued_number(session, record_hash, kind)
    if existing:
        return existing
    prefix = load_template(kind).prefix
    blocks = _blocks(session, prefix, year)
    if not any(b.source == "local" for b in blocks):
        local = numbering.local_block(prefix, year, device_slot(ws, session), ws.device_id)
        session.add(models.NumberBlock(prefix=prefix, year=year, start=local.start, end=local.end,
                                       source="local", created_at=now_iso()))
        blocks.append(local)
    used = session.scalars(select(models.IssuedNumber.n).where(models.IssuedNumber.prefix == prefix,
                                                               models.IssuedNumber.year == year)).all()
    n = numbering.next_number(blocks, used, kind_prefix=prefix, year=year)
    text = numbering.format_number(short_name, prefix, year, n)
    session.add(models.IssuedNumber(prefix=prefix, year=year, n=n, text=text, record_hash=record_hash,
                                    kind=kind, issued_at=now_iso()))
    ws.audit(session, "number", f"record:{record_hash}", {"kind": kind, "number": text})
    return text


def render_document(ws, kind: str, ref: str, out_path: Path, *, vault=None, extra: dict | None = None,
                    draft_of: str | None = None):
    """Render ``kind`` for a signed record (by record hash or inspection id) as a final document,
    or, with ``draft_of`` (an inspection id), an unsigned draft that carries no number."""
    from . import records as record_store

    photos = _thumbnails(vault) if vault is not None else None
    with ws.store.write() as session:
        settings = county_settings(ws, session)
        if draft_of is not None:
            from .inspections import get_row

            inspection = get_row(session, draft_of)
            payload = record_store.build_payload(session, inspection.id, device_id=ws.device_id,
                                                 ended_at=now_iso())
            record_hash, number, signed = None, None, False
        else:
            row = find_record(session, ref)
            payload = record_rules.parse_record(row.payload)
            record_hash, signed = row.hash, True
            number = None
            if load_template(kind).prefix:
                from inspector_app.documents.settings import check_settings

                check_settings(settings)  # a missing short name is named before a number is spent
                year = datetime.fromisoformat(payload["started_at"]).year
                number = issue_number(ws, session, kind=kind, record_hash=row.hash, year=year,
                                      short_name=settings.short_name)
        if kind == "review-opinion" and record_hash and not (extra or {}).get("order_number"):
            extra = dict(extra or {}) | _order_under_review(session, payload["enterprise"]["code"], record_hash)
        result = render(kind, payload, record_hash=record_hash, signed=signed, number=number,
                        settings=settings, out_path=out_path, photos=photos, extra=extra)
        ws.audit(session, "print", f"record:{record_hash}" if record_hash else f"inspection:{draft_of}",
                 {"kind": kind, "number": number, "pages": result.pages, "draft": not signed,
                  "file": Path(out_path).name})
    return result


def _order_under_review(session: Session, enterprise_code: str, record_hash: str) -> dict:
    """The latest 责令限期整改指令书 issued to this enterprise (by this record or an earlier one):
    the order a 整改复查意见书 cites, unless the officer names another."""
    row = session.execute(
        select(models.IssuedNumber.text, models.IssuedNumber.issued_at)
        .join(models.Record, models.Record.hash == models.IssuedNumber.record_hash)
        .join(models.Inspection, models.Inspection.id == models.Record.inspection_id)
        .where(models.IssuedNumber.kind == "rectify-order", models.Inspection.enterprise_code == enterprise_code)
        .order_by(models.IssuedNumber.issued_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return {}
    return {"order_number": row[0], "order_date": row[1][:10]}


def _thumbnails(vault):
    from .derived import thumbnail

    cache: dict[str, bytes | None] = {}

    def photo(sha: str) -> bytes | None:
        if sha not in cache:
            try:
                derived = thumbnail(vault, sha, max_px=1000)
                with vault.open(derived.sha256) as reader:
                    cache[sha] = reader.read()
            except (InspectorError, OSError):  # printed as an empty box, and render() warns
                cache[sha] = None
        return cache[sha]

    return photo
