"""The durable sync queue in the device store (tables of migration 0002).

Filled from the signed records (table ``records``) and the evidence originals they list. Each item
is ``pending`` until the server acknowledged it, ``uploading`` while a tus upload of it is open
(its URL is kept, so a killed process resumes from the server's offset), ``synced`` once a record's
signed receipt is stored and the server has all its evidence (or, for evidence, once the server
committed the blob), and ``failed`` with the stable code of the last error. Nothing is ever
deleted: a synced item keeps its row, and receipts are append-only.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from sqlalchemy import select

from inspector_app.domain.messages import catalogue
from inspector_app.store import models as store_models
from inspector_app.store.clock import now_iso
from inspector_app.store.db import Store

from .models import SyncConfig, SyncItem, SyncReceipt

PUBLIC_STATES = {"pending": "pending", "uploading": "pending", "synced": "synced", "failed": "failed"}


@dataclass
class ItemState:
    """What the app shows for one item: synced / pending / failed, with the reason code and text."""

    kind: str
    key: str
    state: str
    reason: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    detail: Any = None
    size: int | None = None
    sent: int = 0
    server_status: str | None = None
    missing: list = field(default_factory=list)
    attempts: int = 0
    updated_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _texts(code: str | None, detail: Any) -> tuple[str | None, str | None]:
    if not code:
        return None, None
    message = catalogue().get(code)
    if message is None:
        return code, code

    class _D(dict):
        def __missing__(self, key):
            return "?"

    params = _D(detail if isinstance(detail, dict) else {})
    return message.zh.format_map(params), message.en.format_map(params)


def state_of(row: SyncItem) -> ItemState:
    zh, en = _texts(row.reason, row.detail)
    if isinstance(row.detail, dict) and row.detail.get("message_zh"):
        zh, en = row.detail["message_zh"], row.detail.get("message_en", en)
    return ItemState(kind=row.kind, key=row.key, state=PUBLIC_STATES.get(row.state, row.state), reason=row.reason,
                     message_zh=zh, message_en=en, detail=row.detail, size=row.size, sent=row.sent,
                     server_status=row.server_status, missing=list(row.missing or []), attempts=row.attempts,
                     updated_at=row.updated_at)


class SyncQueue:
    def __init__(self, store: Store):
        self.store = store

    # --- configuration (enrolment, cursors) ---
    def config(self) -> dict:
        with self.store.read() as session:
            return {row.key: row.value for row in session.scalars(select(SyncConfig))}

    def set_config(self, **values: Any) -> None:
        with self.store.write() as session:
            for key, value in values.items():
                row = session.get(SyncConfig, key)
                if row is None:
                    session.add(SyncConfig(key=key, value=value))
                else:
                    row.value = value

    # --- filling ---
    def fill(self) -> int:
        """Queue every signed record not queued yet, and the evidence it lists. Returns how many
        items were added."""
        added = 0
        with self.store.write() as session:
            known = set(session.scalars(select(SyncItem.key).where(SyncItem.kind == "record")))
            known_evidence = set(session.scalars(select(SyncItem.key).where(SyncItem.kind == "evidence")))
            now = now_iso()
            for record_hash, payload in session.execute(select(store_models.Record.hash, store_models.Record.payload)):
                if record_hash in known:
                    continue
                data = json.loads(payload)
                head = data.get("audit_head") or {}
                session.add(SyncItem(kind="record", key=record_hash, state="pending", attempts=0,
                                     order_seq=int(head.get("seq") or 0), sent=0, created_at=now, updated_at=now))
                added += 1
                for entry in data.get("evidence") or []:
                    sha = entry.get("sha256")
                    if sha and sha not in known_evidence:
                        known_evidence.add(sha)
                        session.add(SyncItem(kind="evidence", key=sha, state="pending", attempts=0, order_seq=0,
                                             size=entry.get("size"), sent=0, created_at=now, updated_at=now))
                        added += 1
        return added

    # --- reading ---
    def rows(self, kind: str | None = None, states: Iterable[str] | None = None) -> list[SyncItem]:
        with self.store.read() as session:
            q = select(SyncItem)
            if kind:
                q = q.where(SyncItem.kind == kind)
            if states:
                q = q.where(SyncItem.state.in_(list(states)))
            return list(session.scalars(q.order_by(SyncItem.kind, SyncItem.order_seq, SyncItem.created_at, SyncItem.key)))

    def row(self, kind: str, key: str) -> SyncItem | None:
        with self.store.read() as session:
            return session.get(SyncItem, (kind, key))

    def items(self, kind: str | None = None) -> list[ItemState]:
        return [state_of(r) for r in self.rows(kind)]

    def item(self, kind: str, key: str) -> ItemState | None:
        with self.store.read() as session:
            row = session.get(SyncItem, (kind, key))
            return state_of(row) if row else None

    def record_payload(self, record_hash: str) -> tuple[bytes, list]:
        with self.store.read() as session:
            row = session.get(store_models.Record, record_hash)
            return bytes(row.payload), list(row.signatures)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {"record": {}, "evidence": {}}
        for row in self.rows():
            public = PUBLIC_STATES.get(row.state, row.state)
            out.setdefault(row.kind, {})[public] = out.setdefault(row.kind, {}).get(public, 0) + 1
        return out

    # --- writing ---
    def update(self, kind: str, key: str, **values: Any) -> None:
        with self.store.write() as session:
            row = session.get(SyncItem, (kind, key))
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now_iso()
            if values.get("state") == "synced":
                row.synced_at = row.updated_at

    def fail(self, kind: str, key: str, code: str, detail: Any = None, *, state: str = "failed") -> None:
        with self.store.write() as session:
            row = session.get(SyncItem, (kind, key))
            row.state, row.reason, row.detail = state, code, detail
            row.attempts += 1
            row.updated_at = now_iso()

    def store_receipt(self, record_hash: str, signed: dict, server_key: str) -> None:
        with self.store.write() as session:
            if session.get(SyncReceipt, record_hash) is None:
                session.add(SyncReceipt(record_hash=record_hash, receipt=signed["receipt"], signature=signed["signature"],
                                        server_key=server_key, received_at=now_iso()))

    def receipt(self, record_hash: str) -> dict | None:
        with self.store.read() as session:
            row = session.get(SyncReceipt, record_hash)
            if row is None:
                return None
            return {"receipt": row.receipt, "signature": row.signature, "server_key": row.server_key,
                    "received_at": row.received_at}
