"""The device's audit chain, persisted. Entries are appended inside the transaction of the action
they record, so an action and its audit entry are committed together or not at all."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.domain.audit import GENESIS, HEAD_MISMATCH, entry_hash, make_entry, verify_chain
from inspector_app.domain.record import Problem

from . import models
from .clock import now_iso


def last(session: Session) -> models.AuditEntry | None:
    return session.scalar(select(models.AuditEntry).order_by(models.AuditEntry.seq.desc()).limit(1))


def head(session: Session) -> tuple[int, str]:
    row = last(session)
    return (0, GENESIS) if row is None else (row.seq, row.hash)


def append(session: Session, device: str, action: str, subject: str, detail: dict) -> str:
    previous = last(session)
    entry, digest = make_entry(previous.entry if previous else None, device, action, subject, detail, now_iso())
    session.add(models.AuditEntry(seq=entry["seq"], entry=entry, hash=digest))
    session.flush()
    return digest


def entries(session: Session) -> list[dict]:
    return [row.entry for row in session.scalars(select(models.AuditEntry).order_by(models.AuditEntry.seq))]


def verify(session: Session) -> list[Problem]:
    """Problems with the stored chain. The chain alone cannot show a deleted or altered *tail*, so
    every head a signed record carries (audit_head) must still be in the chain with its hash."""
    chain = entries(session)
    problems = list(verify_chain(chain))
    by_seq = {e.get("seq"): e for e in chain}
    for payload_head in _signed_heads(session):
        seq, digest = payload_head
        entry = by_seq.get(seq)
        found = entry_hash(entry) if entry is not None else "-"
        if seq and found != digest:
            problems.append(Problem(HEAD_MISMATCH, f"seq {seq}", {
                "seq": seq, "hash": found[:16], "head_seq": seq, "head_hash": digest[:16]}))
    return problems


def _signed_heads(session: Session) -> list[tuple[int, str]]:
    import json

    heads = []
    for payload in session.scalars(select(models.Record.payload)):
        head_ = json.loads(payload).get("audit_head") or {}
        if isinstance(head_.get("seq"), int) and isinstance(head_.get("hash"), str):
            heads.append((head_["seq"], head_["hash"]))
    return heads
