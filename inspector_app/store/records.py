"""Signing an inspection into an immutable record, and exporting records as bundles.

The record payload is assembled from the store here, validated and canonicalised by
domain/record.py, signed by every listed officer, and kept as its exact bytes in `records`, where
SQLite triggers refuse any later change.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.domain import record as record_rules
from inspector_app.domain.bundle import write_bundle
from inspector_app.domain.inspection import NOT_SIGNABLE
from inspector_app.domain.messages import InspectorError, define

from . import enterprises, inspections, models, officers
from . import quiz as quiz_store
from . import reviews
from .audit_log import head as audit_head
from .clock import now_iso

UNKNOWN_RECORD = define(
    "record.unknown",
    "未找到检查或记录 {ref}",
    "No inspection or record {ref}",
)
NOT_SIGNED = define(
    "record.not_signed",
    "检查 {inspection} 尚未签名，不能导出签名证据包",
    "Inspection {inspection} is not signed yet, so it cannot be exported as a signed bundle",
)


def _enterprise_snapshot(session: Session, code: str) -> dict:
    e = enterprises.get(session, code)
    return {
        "code": e.code, "name": e.name, "address": e.address, "kind": e.kind, "industry": e.industry,
        "township": e.township, "legal_representative": e.legal_representative,
        "contact_name": e.contact_name, "contact_phone": e.contact_phone,
        "major_hazard_sources": [{"name": m.name, "grade": m.grade} for m in e.major_hazard_sources],
        "key_processes": list(e.key_processes), "key_chemicals": list(e.key_chemicals),
    }


def _evidence_entry(row: models.Evidence) -> dict:
    return {
        "sha256": row.sha256, "media_type": row.media_type, "size": row.size, "captured_at": row.captured_at,
        "file_time": row.file_time, "gps": row.gps, "captured_by": row.captured_by,
        "original_name": row.original_name,
    }


def build_payload(session: Session, inspection_id: str, *, device_id: str, ended_at: str) -> dict:
    v = inspections.view(session, inspection_id)
    i = v.inspection
    officer_rows = inspections.require_officers(session, list(i.inspectors))
    shas: list[str] = []
    for key in [""] + [f.id for f in v.findings]:
        for sha in v.evidence.get(key, []):
            if sha not in shas:
                shas.append(sha)
    evidence_rows = [session.get(models.Evidence, sha) for sha in shas]
    head = audit_head(session)
    return {
        "schema": record_rules.CURRENT_SCHEMA,
        "kind": "inspection",
        "inspection_id": i.id,
        "device_id": device_id,
        "created_at": i.created_at,
        "started_at": i.started_at,
        "ended_at": ended_at,
        "place": i.place,
        "enterprise": _enterprise_snapshot(session, i.enterprise_code),
        "inspectors": [{"name": o.name, "cert": o.cert, "public_key": o.public_key} for o in officer_rows],
        "catalogues": list(i.catalogues),
        "items": [
            {"catalogue": it.catalogue_id, "version": it.catalogue_version, "item": it.item_id, "seq": it.seq,
             "section": it.section, "matter": it.matter, "content": it.content,
             "check_basis": list(it.check_basis), "enforcement_basis": list(it.enforcement_basis),
             "major_hazard": it.major_hazard, "result": it.result}
            for it in v.items
        ],
        "findings": [
            {"id": f.id, "item": f.item_id, "description": f.description, "location": f.location,
             "grade": f.grade, "deadline": f.deadline, "repeat_offence": f.repeat_offence,
             "self_reported": f.self_reported, "evidence": list(v.evidence.get(f.id, []))}
            for f in v.findings
        ],
        "evidence": [_evidence_entry(r) for r in evidence_rows],
        "quiz": quiz_store.for_record(i.quiz),
        "amends": {"record": i.amends, "reason": i.amend_reason or ""} if i.amends else None,
        "reviews": [{"finding": r.finding_id, "record": r.record_hash, "result": r.result, "note": r.note}
                    for r in reviews.of_inspection(session, i.id)],
        "audit_head": {"device": device_id, "seq": head[0], "hash": head[1]},
    }


def sign_inspection(ws, inspection_id: str, passphrases=None) -> str:
    """Every listed officer signs; the record is stored immutably and the inspection frozen.

    ``passphrases(cert) -> str`` supplies each officer's passphrase (the CLI prompts or reads the
    environment; the app asks each officer in turn). Keys are unlocked before the write
    transaction begins, so no one holds the store's write lock while typing a passphrase.
    """
    from inspector_app.workspace import passphrase_for

    ask = passphrases or passphrase_for
    with ws.store.read() as session:
        v = inspections.view(session, inspection_id)
        blockers = v.blockers()
        if blockers:
            raise InspectorError(NOT_SIGNABLE, exit_code=1, inspection=v.inspection.id, reasons="；".join(b.text("zh") for b in blockers))
        certs = list(v.inspection.inspectors)
        unlocked = [officers.unlock(session, cert, ask(cert)) for cert in certs]
        inspection_id = v.inspection.id
    with ws.store.write() as session:
        row = inspections.editable_row(session, inspection_id)
        ended_at = now_iso()
        payload = build_payload(session, row.id, device_id=ws.device_id, ended_at=ended_at)
        data = record_rules.record_bytes(payload)
        signatures = record_rules.sign_record(data, [(u.cert, u.signing_key) for u in unlocked])
        digest = record_rules.record_hash(data)
        session.add(models.Record(hash=digest, inspection_id=row.id, payload=data, signatures=signatures,
                                  amends=row.amends, created_at=ended_at))
        row.status = "signed"
        row.ended_at = ended_at
        row.record_hash = digest
        row.updated_at = ended_at
        ws.audit(session, "sign", f"record:{digest}", {"inspection": row.id, "signers": certs,
                                                       "audit_head": payload["audit_head"]})
    return digest


def find_record(session: Session, ref: str) -> models.Record:
    """A record by its hash (or a unique prefix), or the signed record of an inspection."""
    ref = ref.strip().lower()
    row = session.get(models.Record, ref)
    if row is None and len(ref) >= 8:
        matches = session.scalars(select(models.Record).where(models.Record.hash.like(ref + "%")).limit(2)).all()
        row = matches[0] if len(matches) == 1 else None
    if row is None:
        try:
            inspection = inspections.get_row(session, ref)
        except InspectorError:
            raise InspectorError(UNKNOWN_RECORD, exit_code=2, ref=ref) from None
        if inspection.record_hash is None:
            raise InspectorError(NOT_SIGNED, exit_code=1, inspection=inspection.id)
        row = session.get(models.Record, inspection.record_hash)
    return row


def amendment_chain(session: Session, row: models.Record) -> list[models.Record]:
    """The earlier records this one amends, newest first."""
    chain = []
    current = row
    while current.amends:
        current = session.get(models.Record, current.amends)
        if current is None:
            break
        chain.append(current)
    return chain


def export_bundle(ws, ref: str, out_path: Path, vault) -> str:
    with ws.store.read() as session:
        row = find_record(session, ref)
        chain = amendment_chain(session, row)
        payload = record_rules.parse_record(row.payload)
        public_keys = {i["cert"]: i["public_key"] for i in payload["inspectors"]}
        shas = {e["sha256"] for e in payload["evidence"]}
        for earlier in chain:
            earlier_payload = record_rules.parse_record(earlier.payload)
            shas |= {e["sha256"] for e in earlier_payload["evidence"]}
            for i in earlier_payload["inspectors"]:
                public_keys.setdefault(i["cert"], i["public_key"])
        digest = write_bundle(
            out_path, record=row.payload, signatures=row.signatures, public_keys=public_keys,
            evidence={sha: (lambda sha=sha: vault.open(sha)) for sha in shas},
            amends=[(r.payload, r.signatures) for r in chain],
        )
    with ws.store.write() as session:
        ws.audit(session, "export", f"record:{digest}", {"to": Path(out_path).name, "evidence": len(shas)})
    return digest


def amend(ws, ref: str, reason: str) -> models.Inspection:
    """A new draft that corrects a signed record: a copy of it, pointing at the record it amends."""
    import uuid

    with ws.store.write() as session:
        record = find_record(session, ref)
        old = inspections.view(session, record.inspection_id)
        now = now_iso()
        row = models.Inspection(
            id=str(uuid.uuid4()), enterprise_code=old.inspection.enterprise_code, status="draft",
            inspectors=list(old.inspection.inspectors), catalogues=list(old.inspection.catalogues),
            place=old.inspection.place, created_at=now, started_at=old.inspection.started_at,
            amends=record.hash, amend_reason=reason, quiz=old.inspection.quiz, updated_at=now,
        )
        session.add(row)
        session.flush()
        for it in old.items:
            session.add(models.InspectionItem(**{c: getattr(it, c) for c in _columns(models.InspectionItem)}
                                              | {"inspection_id": row.id}))
        finding_ids = {}
        for f in old.findings:
            finding_ids[f.id] = str(uuid.uuid4())
            session.add(models.Finding(**{c: getattr(f, c) for c in _columns(models.Finding)}
                                       | {"id": finding_ids[f.id], "inspection_id": row.id}))
        session.flush()
        for finding_id, shas in old.evidence.items():
            for sha in shas:
                session.add(models.EvidenceLink(sha256=sha, inspection_id=row.id,
                                                finding_id=finding_ids.get(finding_id, "")))
        for r in reviews.of_inspection(session, old.inspection.id):
            session.add(models.Review(**{c: getattr(r, c) for c in _columns(models.Review)} | {"inspection_id": row.id}))
        ws.audit(session, "edit", f"inspection:{row.id}", {"op": "amend", "amends": record.hash, "reason": reason})
    return row


def _columns(model) -> list[str]:
    return [c.key for c in model.__table__.columns]
