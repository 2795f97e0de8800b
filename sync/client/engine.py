"""One sync pass: enrol (once), upload evidence over tus, push records, verify receipts, pull.

``SyncClient.run()`` is safe to kill at any moment: every state change is committed to the store
before the next network call, an open upload's URL is stored before its first byte is sent, and the
next pass asks the server for the acknowledged offset (tus HEAD) and resumes there. Nothing is
deleted before the receipt; receipts are verified against the server key pinned at enrolment.
"""
from __future__ import annotations

import base64
import hashlib
import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from inspector_app.crypto import signing
from inspector_app.crypto.stream import read_full
from inspector_app.domain.messages import InspectorError
from inspector_app.store.clock import now_iso
from inspector_app.store.db import Store
from sync.protocol import errors, wire
from sync.protocol.errors import SyncError

from .api import ServerAPI
from .queue import ItemState, SyncQueue

DEFAULT_CHUNK = 16 * 1024 * 1024  # the first chunk of an upload, and the least
MAX_CHUNK = 64 * 1024 * 1024  # what chunks may grow to while the link is fast
CHUNK_SECONDS = 1.0  # chunks are sized to take about this long at the measured rate
PROGRESS_EVERY = 0.5  # seconds between progress writes to the store while a blob uploads
EvidenceOpener = Callable[[str], BinaryIO]
Listener = Callable[[ItemState], None]


@dataclass
class Summary:
    records: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    pulled: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    bytes_sent: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.pending

    def to_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "evidence": self.evidence, "pulled": self.pulled,
                "failures": self.failures, "pending": self.pending, "bytes_sent": self.bytes_sent}


class _ChunkReader:
    """Reads an upload's chunks one ahead on a thread (while the previous one is on the wire) into
    two buffers used in turn: allocating a fresh chunk-sized buffer per chunk costs more in page
    faults than the upload itself. A chunk handed out by ``take`` stays valid until the next
    ``take`` or ``start``. ``chunk_size`` may change between chunks (the buffers grow to it)."""

    def __init__(self, source: BinaryIO, sha: str, size: int, chunk_size: int, algorithm: str | None):
        self.source, self.sha, self.size, self.algorithm = source, sha, size, algorithm
        self.chunk_size = chunk_size
        self.buffers = [bytearray(), bytearray()]
        self.turn = 0
        self.pool = ThreadPoolExecutor(1, "sync-read")
        self.ahead = None

    def __enter__(self) -> "_ChunkReader":
        return self

    def __exit__(self, *exc) -> None:
        self._settle()
        self.pool.shutdown(wait=True)

    @property
    def pending(self) -> bool:
        return self.ahead is not None

    def _read(self, at: int, turn: int, want: int) -> tuple[int, memoryview, tuple[str, str] | None]:
        if len(self.buffers[turn]) < want:
            self.buffers[turn] = bytearray(want)
        self.source.seek(at)
        view = memoryview(self.buffers[turn])[:want]
        if read_full(self.source, view) < len(view):
            raise SyncError(errors.EVIDENCE_UNAVAILABLE, sha256=self.sha, reason="the local file is shorter than recorded")
        digest = None
        if self.algorithm:
            digest = (self.algorithm, base64.b64encode(hashlib.new(self.algorithm, view).digest()).decode("ascii"))
        return at, view, digest

    def _submit(self, at: int) -> None:
        self.ahead = self.pool.submit(self._read, at, self.turn, min(self.chunk_size, self.size - at))
        self.turn ^= 1

    def _settle(self) -> None:
        if self.ahead is not None:
            if not self.ahead.cancel():
                self.ahead.exception()  # wait for it; a read error is moot when starting elsewhere
            self.ahead = None

    def start(self, at: int) -> None:
        """Read from ``at`` next (dropping whatever was read ahead)."""
        self._settle()
        if at < self.size:
            self._submit(at)

    def take(self) -> tuple[int, memoryview, tuple[str, str] | None]:
        """The chunk read ahead (offset, bytes, checksum); starts reading the one after it."""
        at, data, digest = self.ahead.result()
        self.ahead = None
        if at + len(data) < self.size:
            self._submit(at + len(data))
        return at, data, digest


def next_chunk_size(sent: int, seconds: float, least: int, most: int) -> int:
    """The size that would take about CHUNK_SECONDS at the rate the last chunk went, within
    [least, most], in whole MiB: few round trips on a fast link, small re-sends on a slow one."""
    if seconds <= 0:
        return most
    target = int(sent / seconds * CHUNK_SECONDS) >> 20 << 20
    return max(least, min(most, target))


class SyncClient:
    def __init__(self, store: Store, device_id: str, *, evidence: EvidenceOpener | None = None,
                 checklists_dir: Path | None = None, audit: Callable[[str, dict], None] | None = None,
                 chunk_size: int = DEFAULT_CHUNK, max_chunk_size: int = MAX_CHUNK, checksum: str | None = "auto",
                 listener: Listener | None = None, transport=None):
        self.store = store
        self.device_id = device_id
        self.queue = SyncQueue(store)
        self.evidence = evidence
        self.checklists_dir = checklists_dir
        self.audit = audit
        self.chunk_size = chunk_size
        self.max_chunk_size = max(chunk_size, max_chunk_size)
        self.checksum = checksum
        self.listener = listener
        self.transport = transport
        self._cancel = False
        self._damaging_link = False  # a blob arrived damaged: check every chunk from now on

    def cancel(self) -> None:
        self._cancel = True

    # --- enrolment ---
    def enrol(self, server_url: str, code: str, *, name: str | None = None) -> dict:
        device_key = signing.generate_private_key()
        with ServerAPI(server_url, transport=self.transport) as api:
            answer = api.enrol(code, name or platform.node() or "laptop", signing.b64(signing.public_key_of(device_key)),
                               self.device_id)
        if answer.get("device_id") != self.device_id:
            raise SyncError(errors.BAD_RECEIPT, reason="the server assigned a different device id")
        self.queue.set_config(server_url=server_url.rstrip("/"), token=answer["token"],
                              server_public_key=answer["server_public_key"], device_name=answer["device_name"],
                              enrolled_at=now_iso())
        return {"server": server_url, "device_id": answer["device_id"], "device_name": answer["device_name"],
                "server_public_key": answer["server_public_key"]}

    def _api(self, server_url: str | None) -> tuple[ServerAPI, dict]:
        cfg = self.queue.config()
        if not cfg.get("token"):
            raise SyncError(errors.NOT_ENROLLED)
        url = (server_url or cfg["server_url"]).rstrip("/")
        return ServerAPI(url, cfg["token"], transport=self.transport), cfg

    # --- the pass ---
    def run(self, server_url: str | None = None, *, pull: bool = True) -> Summary:
        self._cancel = False
        self.queue.fill()
        api, cfg = self._api(server_url)
        summary = Summary()
        try:
            pinned = cfg["server_public_key"]
            if api.server_key() != pinned:
                raise SyncError(errors.SERVER_KEY_CHANGED)
            self._upload_evidence(api, summary)
            self._push_records(api, pinned, summary)
            if pull:
                summary.pulled = self._pull(api)
        finally:
            api.close()
            self._summarise(summary)
        if self.audit is not None and (summary.records.get("synced") or summary.evidence.get("synced")):
            self.audit("sync", {"server": api.base_url, "records": summary.records, "evidence": summary.evidence})
        return summary

    def _summarise(self, summary: Summary) -> None:
        counts = self.queue.counts()
        summary.records, summary.evidence = counts.get("record", {}), counts.get("evidence", {})
        for item in self.queue.items():
            if item.state == "failed":
                summary.failures.append({"kind": item.kind, "key": item.key, "reason": item.reason,
                                         "message_zh": item.message_zh, "message_en": item.message_en})
            elif item.state == "pending":
                summary.pending.append({"kind": item.kind, "key": item.key, "reason": item.reason,
                                        "message_zh": item.message_zh, "message_en": item.message_en})

    def _notify(self, kind: str, key: str) -> None:
        if self.listener is not None:
            item = self.queue.item(kind, key)
            if item is not None:
                self.listener(item)

    # --- evidence ---
    def _upload_evidence(self, api: ServerAPI, summary: Summary) -> None:
        for row in self.queue.rows("evidence", states=("pending", "uploading", "failed")):
            if self._cancel:
                return
            try:
                try:
                    summary.bytes_sent += self._upload_one(api, row)
                except SyncError as exc:
                    if exc.code != errors.HASH_MISMATCH or self._damaging_link or self.checksum != "auto":
                        raise
                    # The server got other bytes than these: something on the way damages data that
                    # TCP let through. Send the blob again with a checksum on every chunk, so that
                    # damage costs one chunk from now on.
                    self._damaging_link = True
                    summary.bytes_sent += self._upload_one(api, self.queue.row("evidence", row.key))
            except SyncError as exc:
                if exc.code in (errors.OFFLINE, errors.UNAUTHORISED, errors.REVOKED) or exc.status >= 500:
                    self.queue.fail("evidence", row.key, exc.code, exc.body()["detail"],
                                    state="uploading" if row.upload_url else "pending")
                    self._notify("evidence", row.key)
                    raise
                self.queue.fail("evidence", row.key, exc.code, _detail(exc))
            self._notify("evidence", row.key)

    def _open(self, sha: str) -> BinaryIO:
        if self.evidence is None:
            raise SyncError(errors.EVIDENCE_UNAVAILABLE, sha256=sha, reason="no evidence vault is open")
        try:
            return self.evidence(sha)
        except InspectorError as exc:
            raise SyncError(errors.EVIDENCE_UNAVAILABLE, detail={"sha256": sha, "reason": exc.text("en")},
                            sha256=sha, reason=exc.text("zh")) from None
        except OSError as exc:
            raise SyncError(errors.EVIDENCE_UNAVAILABLE, sha256=sha, reason=str(exc)) from None

    def _checksum_for(self, url: str) -> str | None:
        if self.checksum == "auto":
            # The server hashes every blob whole before it keeps it, and TCP (TLS on https://)
            # checks every segment, so chunks go without a checksum of their own until a blob
            # arrives damaged all the same; after that each chunk carries one (sha1, which every
            # tus server supports) and damage costs a chunk, not the blob.
            return "sha1" if self._damaging_link else None
        return self.checksum

    def _upload_one(self, api: ServerAPI, row) -> int:
        sha = row.key
        if api.evidence_exists(sha):
            self.queue.update("evidence", sha, state="synced", reason=None, detail=None, sent=row.size or row.sent)
            return 0
        source = self._open(sha)
        sent = 0
        with source:
            size = row.size
            if size is None:
                size = getattr(source, "size", None) or os.fstat(source.fileno()).st_size
            url, offset = row.upload_url, None
            if url:
                try:
                    offset = api.tus_head(url)
                except SyncError as exc:
                    if exc.code not in (errors.NOT_FOUND, errors.UPLOAD_EXPIRED):
                        raise
                    url = None
            if not url:
                stored, url, offset = api.tus_create(sha, size, {"filename": sha})
                if stored:
                    self.queue.update("evidence", sha, state="synced", reason=None, detail=None, sent=size,
                                      upload_url=url)
                    return 0
                self.queue.update("evidence", sha, state="uploading", upload_url=url, sent=offset)
            bad_chunks, shown = 0, time.monotonic()
            with _ChunkReader(source, sha, size, self.chunk_size, self._checksum_for(url)) as chunks:
                chunks.start(offset)
                while chunks.pending:
                    if self._cancel:
                        return sent
                    at, data, checksum = chunks.take()
                    began = time.monotonic()
                    try:
                        new_offset = api.tus_patch(url, at, data, checksum)
                    except SyncError as exc:
                        if exc.code == errors.BAD_OFFSET or (exc.code == errors.CHECKSUM_MISMATCH and bad_chunks < 3):
                            bad_chunks += exc.code == errors.CHECKSUM_MISMATCH
                            chunks.chunk_size = self.chunk_size  # a troubled link: small chunks again
                            offset = api.tus_head(url)
                            chunks.start(offset)
                            continue
                        if exc.code == errors.HASH_MISMATCH:
                            self.queue.update("evidence", sha, upload_url=None, sent=0)
                        raise
                    sent += new_offset - at
                    offset = new_offset
                    chunks.chunk_size = next_chunk_size(len(data), time.monotonic() - began, self.chunk_size,
                                                        self.max_chunk_size)
                    if new_offset != at + len(data):  # the server kept less (or more): follow its offset
                        chunks.start(new_offset)
                    if time.monotonic() - shown >= PROGRESS_EVERY:
                        # progress only: a resume asks the server for its offset (tus HEAD)
                        self.queue.update("evidence", sha, state="uploading", sent=offset)
                        self._notify("evidence", sha)
                        shown = time.monotonic()
        self.queue.update("evidence", sha, state="synced", reason=None, detail=None, sent=size)
        return sent

    # --- records ---
    def _push_records(self, api: ServerAPI, pinned: str, summary: Summary) -> None:
        blocked_by = None
        for row in self.queue.rows("record", states=("pending", "uploading", "failed")):
            if self._cancel:
                return
            if blocked_by is not None:
                self.queue.update("record", row.key, state="pending", reason=errors.BLOCKED,
                                  detail={"record": blocked_by})
                continue
            try:
                self._push_one(api, row.key, pinned)
            except SyncError as exc:
                if exc.code in (errors.OFFLINE, errors.UNAUTHORISED, errors.REVOKED) or exc.status >= 500:
                    self.queue.fail("record", row.key, exc.code, exc.body()["detail"], state="pending")
                    self._notify("record", row.key)
                    raise
                self.queue.fail("record", row.key, exc.code, _detail(exc))
                # Records go to the server in audit-log order (the audit-head rule, docs/sync.md):
                # a refused record holds back the later ones until it is resolved.
                blocked_by = row.key
            self._notify("record", row.key)

    def _push_one(self, api: ServerAPI, record_hash: str, pinned: str) -> None:
        payload, signatures = self.queue.record_payload(record_hash)
        _status, answer = api.push_record(signing.b64(payload), signatures)
        signed = {"receipt": answer.get("receipt"), "signature": answer.get("signature")}
        problems = wire.receipt_problems(signed, pinned, record=record_hash, device=self.device_id)
        if problems:
            raise SyncError(errors.BAD_RECEIPT, reason="; ".join(problems))
        self.queue.store_receipt(record_hash, signed, pinned)
        missing = list(answer.get("missing") or [])
        if answer.get("status") == "complete":
            self.queue.update("record", record_hash, state="synced", reason=None, detail=None,
                              server_status="complete", missing=[])
        else:
            self.queue.update("record", record_hash, state="pending", reason=errors.EVIDENCE_MISSING,
                              detail={"count": len(missing), "missing": missing}, server_status="pending",
                              missing=missing)

    # --- pulls ---
    def _pull(self, api: ServerAPI) -> dict:
        from . import pulls

        return pulls.pull_all(api, self.store, self.queue, self.checklists_dir)


def _detail(exc: SyncError) -> dict:
    body = exc.body()
    detail = body.get("detail")
    out = {"message_zh": body["message_zh"], "message_en": body["message_en"]}
    if isinstance(detail, dict):
        out.update({k: v for k, v in detail.items() if k not in out})
    elif detail is not None:
        out["detail"] = detail
    return out
