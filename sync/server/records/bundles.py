"""A signed bundle of a stored record, written by the server in exactly the format the device's
`inspector export` writes (domain/bundle.py), so a court can verify either with `inspector verify`."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from inspector_app.domain.bundle import write_bundle
from inspector_app.domain.messages import InspectorError, define

from ..context import Context
from .models import StoredRecord

NOT_STORED = define(
    "server.record_not_stored",
    "服务器上没有记录 {record}",
    "The server holds no record {record}",
)
INCOMPLETE = define(
    "server.record_incomplete",
    "记录 {record} 的证据尚未全部上传（缺 {missing} 份），不能导出完整的证据包",
    "Record {record} still lacks {missing} evidence file(s); a complete bundle cannot be exported",
)


def export_bundle(ctx: Context, record_hash: str, out_path: Path) -> str:
    with ctx.db.read() as session:
        rows = {}
        current = _stored(session, record_hash)
        if current.status != "complete":
            from .service import _missing

            raise InspectorError(INCOMPLETE, exit_code=1, record=current.hash, missing=len(_missing(session, current.hash)))
        main = current
        while True:
            payload = json.loads(bytes(current.payload))
            rows[current.hash] = (current, payload)
            amended = (payload.get("amends") or {}).get("record")
            if not amended:
                break
            current = _stored(session, amended)
    main_payload = rows[main.hash][1]
    public_keys = {i["cert"]: i["public_key"] for i in main_payload["inspectors"]}
    for _, payload in rows.values():
        for inspector in payload["inspectors"]:
            public_keys.setdefault(inspector["cert"], inspector["public_key"])
    shas = {e["sha256"] for _, payload in rows.values() for e in payload["evidence"]}
    return write_bundle(
        out_path, record=bytes(main.payload), signatures=main.signatures, public_keys=public_keys,
        evidence={sha: (lambda sha=sha: ctx.blobs.open(sha)) for sha in shas},
        amends=[(bytes(row.payload), row.signatures) for h, (row, _) in rows.items() if h != main.hash],
    )


def _stored(session, record_hash: str) -> StoredRecord:
    row = session.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash.lower()))
    if row is None:
        raise InspectorError(NOT_STORED, exit_code=2, record=record_hash)
    return row
