"""Pushing signed records: verification, idempotent storage by hash, the signed receipt."""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import canonical_bytes
from inspector_app.domain import record as record_rules
from inspector_app.domain.messages import InspectorError
from sync.protocol import errors, wire
from sync.protocol.errors import SyncError

from .. import clock
from ..auth import Principal
from ..context import Context
from ..dashboard import index as dashboard_index
from ..devices.models import Device
from ..evidence.models import Blob
from ..inspectors.models import InspectorKey
from ..inspectors.service import link
from .models import RecordEvidence, StoredRecord


def _problem_list(problems) -> list[dict]:
    return [{"code": p.code, "subject": p.subject, "message_zh": p.text("zh"), "message_en": p.text("en")}
            for p in problems[:50]]


def _decode(record_b64: str, limit: int) -> bytes:
    if len(record_b64) > (limit * 4) // 3 + 8:
        raise SyncError(errors.TOO_LARGE, size=len(record_b64) * 3 // 4, limit=limit)
    try:
        data = signing.unb64(record_b64)
    except ValueError:
        raise SyncError(errors.MALFORMED, reason="record is not standard padded base64") from None
    if len(data) > limit:
        raise SyncError(errors.TOO_LARGE, size=len(data), limit=limit)
    return data


def verify_record(data: bytes) -> dict:
    """Canonical bytes, known schema, every rule; returns the payload."""
    try:
        payload = record_rules.parse_record(data)
    except InspectorError as exc:
        if exc.code == record_rules.NOT_CANONICAL:
            raise SyncError(errors.NOT_CANONICAL) from None
        raise SyncError(errors.MALFORMED, reason=exc.text("en")) from None
    problems = record_rules.record_problems(payload)
    if problems:
        raise SyncError(errors.INVALID_RECORD, detail=_problem_list(problems), first=problems[0].text("zh"))
    return payload


def _check_keys(session, data: bytes, payload: dict, signatures: list[dict]) -> None:
    """Every inspector's key is registered for their certificate; every signature verifies."""
    for inspector in payload["inspectors"]:
        key = session.get(InspectorKey, inspector["public_key"])
        if key is None or key.cert != inspector["cert"]:
            raise SyncError(errors.UNKNOWN_KEY, detail={"cert": inspector["cert"], "public_key": inspector["public_key"]},
                            cert=inspector["cert"])
    keys = {i["cert"]: i["public_key"] for i in payload["inspectors"]}
    problems = record_rules.check_signatures(data, signatures, keys)
    for p in problems:
        if p.code == record_rules.SIG_UNKNOWN_KEY:
            raise SyncError(errors.UNKNOWN_KEY, detail={"cert": p.subject}, cert=p.subject)
    if problems:
        raise SyncError(errors.BAD_SIGNATURE, detail=_problem_list(problems), first=problems[0].text("zh"))


def _answer(ctx: Context, row: StoredRecord, missing: list[str]) -> dict:
    return {"hash": row.hash, "status": row.status, "missing": missing, "receipt": row.receipt,
            "signature": row.receipt_signature, "server_key": signing.b64(ctx.settings.public_key)}


def _missing(session, record_hash: str) -> list[str]:
    listed = select(RecordEvidence.sha256).where(RecordEvidence.record_hash == record_hash)
    present = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(listed))))
    return sorted(s for s in session.scalars(listed) if s not in present)


def _existing(ctx: Context, who: Principal, record_hash: str, sig_digest: str) -> tuple[int, dict] | None:
    with ctx.db.read() as session:
        row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
        if row is None:
            return None
        if row.device != who.device:
            raise SyncError(errors.WRONG_DEVICE, record_device="?", device=who.device_id)
        if row.signatures_digest != sig_digest:
            raise SyncError(errors.CONFLICT, detail={"hash": record_hash}, what="record signatures")
        return 200, _answer(ctx, row, _missing(session, record_hash))


def push(ctx: Context, who: Principal, record_b64: str, signatures: list[dict]) -> tuple[int, dict]:
    """Verify and store a record once; the same push again answers the same receipt (200)."""
    data = _decode(record_b64, ctx.settings.max_record)
    payload = verify_record(data)
    if payload["device_id"] != who.device_id or payload["audit_head"]["device"] != who.device_id:
        raise SyncError(errors.WRONG_DEVICE, record_device=payload["device_id"], device=who.device_id)
    record_hash = record_rules.record_hash(data)
    sig_digest = hashlib.sha256(canonical_bytes(signatures)).hexdigest()
    earlier = _existing(ctx, who, record_hash, sig_digest)
    if earlier is not None:
        return earlier
    head = payload["audit_head"]
    try:
        with ctx.db.write() as session:
            _check_keys(session, data, payload, signatures)
            device = session.get(Device, who.device, with_for_update=True)
            if device.audit_seq is not None and (
                    head["seq"] < device.audit_seq or (head["seq"] == device.audit_seq and head["hash"] != device.audit_hash)):
                raise SyncError(errors.AUDIT_REGRESSED, detail={"record_head": head, "last_head": {
                    "seq": device.audit_seq, "hash": device.audit_hash}}, seq=head["seq"], last_seq=device.audit_seq)
            shas = sorted({e["sha256"] for e in payload["evidence"]})
            present = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas)))) if shas else set()
            missing = [s for s in shas if s not in present]
            now = clock.now_iso()
            row = StoredRecord(
                hash=record_hash, device=device.id, payload=data, signatures=signatures,
                signatures_digest=sig_digest, status="pending" if missing else "complete", received_at=now,
                completed_at=None if missing else now, inspection_id=payload["inspection_id"],
                enterprise_code=payload["enterprise"]["code"], audit_seq=head["seq"], audit_hash=head["hash"])
            session.add(row)
            session.flush()  # assigns the sequence number
            receipt = wire.make_receipt(record=record_hash, device=device.device_id, seq=row.seq, server_time=now,
                                        audit_head=head)
            row.receipt = receipt
            row.receipt_signature = wire.sign_receipt(ctx.settings.signing_key, receipt)
            for sha in shas:
                session.add(RecordEvidence(record_hash=record_hash, sha256=sha))
            for inspector in payload["inspectors"]:
                link(session, device.id, inspector["cert"])
            device.audit_seq, device.audit_hash = head["seq"], head["hash"]
            dashboard_index.record_stored(session, row, payload)  # the supervisors' read model (savepoint)
            answer = _answer(ctx, row, missing)
    except IntegrityError:
        # The same record committed by a concurrent request of this device: answer as a repeat.
        earlier = _existing(ctx, who, record_hash, sig_digest)
        if earlier is None:
            raise
        return earlier
    if missing:
        reconcile_records(ctx, [record_hash])  # a blob may have committed while we were writing
        with ctx.db.read() as session:
            row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
            answer = _answer(ctx, row, _missing(session, record_hash))
    return 201, answer


def reconcile_records(ctx: Context, hashes: list[str]) -> None:
    """Mark complete every pending record among ``hashes`` whose evidence is all stored."""
    with ctx.db.write() as session:
        for record_hash in hashes:
            row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
            if row is not None and row.status == "pending" and not _missing(session, record_hash):
                row.status = "complete"
                row.completed_at = clock.now_iso()


def reconcile_for_blobs(ctx: Context, shas: list[str]) -> None:
    with ctx.db.read() as session:
        hashes = list(session.scalars(
            select(StoredRecord.hash).join(RecordEvidence, RecordEvidence.record_hash == StoredRecord.hash)
            .where(RecordEvidence.sha256.in_(shas), StoredRecord.status == "pending").distinct()))
    if hashes:
        reconcile_records(ctx, hashes)


def get(ctx: Context, who: Principal, record_hash: str) -> dict:
    if not wire.is_sha256(record_hash):
        raise SyncError(errors.MALFORMED, reason="record hash must be 64 lower-case hex digits")
    with ctx.db.read() as session:
        row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
        if row is None or (not who.admin and row.device != who.device):
            raise SyncError(errors.NOT_FOUND, what=f"record {record_hash}")
        answer = _answer(ctx, row, _missing(session, record_hash))
        answer.update(record=signing.b64(row.payload), signatures=row.signatures, received_at=row.received_at)
        return answer
