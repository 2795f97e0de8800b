"""Evidence uploads over tus 1.0 (core, creation, checksum, termination, expiration).

State lives in the database (``uploads``: acknowledged offset, declared length and sha256, owner);
bytes live in ``<data dir>/uploads/<id>.part``. The rules that make a cut or a crash harmless:

* the offset in the database is the *acknowledged* length: it is written only after the chunk's
  bytes are in the part file, and it is what HEAD answers;
* a PATCH first truncates the part file to that offset, so bytes written before a crash but never
  acknowledged are dropped and re-sent; a part file found *shorter* than its offset (a power loss
  before the kernel wrote it: the file is not fsynced per chunk) sends the client back to its real
  length;
* a PATCH without Upload-Checksum that the client cuts keeps what arrived (then the new offset);
  with Upload-Checksum an incomplete or mismatching chunk is dropped whole (460);
* when the last byte arrives the server computes the sha256 of the whole blob itself (on the fly
  while receiving when one process saw every byte in order, else by re-reading the part file) and
  commits the file to the blob store under that hash only when it equals the declared one; a
  mismatch deletes the partial upload (422 sync.hash_mismatch).
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from sqlalchemy import select, update
from starlette.requests import ClientDisconnect

from inspector_app.fsutil import FlushBehind
from sync.protocol import errors, wire
from sync.protocol.errors import SyncError

from .. import clock
from ..auth import Principal
from ..context import Context
from ..evidence import service as evidence
from ..evidence.models import Blob
from .models import Upload

FLUSH_BEHIND = 8 * 1024 * 1024  # write the part file behind a flusher (inspector_app.fsutil.FlushBehind)
LOCK_WAIT = 15.0
PURGE_EVERY = 60.0


@dataclass
class Runtime:
    """Per-process upload state: one writer per upload, running whole-blob hashes, a file pool."""

    locks: dict
    hashers: dict  # upload id -> (offset, sha256 object over bytes [0, offset))
    pool: ThreadPoolExecutor
    last_purge: float = 0.0


def runtime(ctx: Context) -> Runtime:
    rt = ctx.runtime.get("uploads")
    if rt is None:
        rt = ctx.runtime["uploads"] = Runtime(locks={}, hashers={}, pool=ThreadPoolExecutor(8, "tus-io"))
    return rt


def capabilities(ctx: Context) -> dict[str, str]:
    return {
        "Tus-Resumable": wire.TUS_VERSION,
        "Tus-Version": wire.TUS_VERSION,
        "Tus-Extension": ",".join(wire.TUS_EXTENSIONS),
        "Tus-Max-Size": str(ctx.settings.max_upload),
        "Tus-Checksum-Algorithm": ",".join(wire.CHECKSUM_ALGORITHMS),
    }


def check_version(value: str | None) -> None:
    if value != wire.TUS_VERSION:
        raise SyncError(errors.TUS_VERSION, headers={"Tus-Version": wire.TUS_VERSION}, version=value or "-")


def _part(ctx: Context, upload_id: str) -> Path:
    return ctx.settings.uploads_dir / f"{upload_id}.part"


def _location(upload_id: str) -> str:
    return f"{wire.API}/uploads/{upload_id}"


def _int_header(name: str, value: str | None, *, required: bool = True) -> int | None:
    if value is None:
        if required:
            raise SyncError(errors.MALFORMED, reason=f"{name} header missing")
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 19:  # "²".isdigit() is True
        raise SyncError(errors.MALFORMED, reason=f"{name} must be a non-negative integer")
    return int(value)


def _headers_of(ctx: Context, up: Upload) -> dict[str, str]:
    return {"Upload-Offset": str(up.offset), "Upload-Length": str(up.length),
            "Upload-Expires": clock.http_date(up.expires_at), "Cache-Control": "no-store",
            "Upload-Metadata": wire.encode_metadata(up.meta or {}), "Tus-Resumable": wire.TUS_VERSION}


def purge_expired(ctx: Context, *, force: bool = False) -> int:
    """Delete unfinished uploads past their expiry (rows stay, marked expired)."""
    rt = runtime(ctx)
    now = time.monotonic()
    if not force and now - rt.last_purge < PURGE_EVERY:
        return 0
    rt.last_purge = now
    with ctx.db.write() as session:
        rows = list(session.scalars(select(Upload).where(Upload.state == "open", Upload.expires_at < clock.epoch())))
        for up in rows:
            up.state = "expired"
            _part(ctx, up.id).unlink(missing_ok=True)
            rt.hashers.pop(up.id, None)
    return len(rows)


# --- creation -----------------------------------------------------------------------------------
def create(ctx: Context, who: Principal, *, tus_resumable: str | None, upload_length: str | None,
           upload_metadata: str | None, defer_length: str | None) -> tuple[int, dict[str, str]]:
    check_version(tus_resumable)
    if defer_length is not None:
        raise SyncError(errors.MALFORMED, reason="Upload-Defer-Length is not supported: send Upload-Length")
    length = _int_header("Upload-Length", upload_length)
    if length > ctx.settings.max_upload:
        raise SyncError(errors.TOO_LARGE, size=length, limit=ctx.settings.max_upload)
    try:
        meta = wire.decode_metadata(upload_metadata or "")
    except ValueError as exc:
        raise SyncError(errors.MALFORMED, reason=str(exc)) from None
    sha = meta.get("sha256", "")
    if not wire.is_sha256(sha):
        raise SyncError(errors.MALFORMED, reason="Upload-Metadata must carry sha256: the blob's hex digest")
    meta = {k: v[:200] for k, v in list(meta.items())[:8]}
    purge_expired(ctx)
    now, expires = clock.now_iso(), clock.epoch() + ctx.settings.upload_ttl
    with ctx.db.write() as session:
        blob = session.get(Blob, sha)
        if blob is not None:
            if blob.size != length:
                raise SyncError(errors.CONFLICT, detail={"sha256": sha, "stored_size": blob.size}, what="evidence size")
            up = Upload(id=secrets.token_hex(16), device=who.device, sha256=sha, length=length, offset=length,
                        received=0, state="done", meta=meta, created_at=now, expires_at=expires, completed_at=now)
            session.add(up)
            headers = _headers_of(ctx, up)
            headers.update({"Location": _location(up.id), wire.EVIDENCE_STORED_HEADER: "stored"})
            return 200, headers
        same = session.scalar(select(Upload).where(
            Upload.device == who.device, Upload.sha256 == sha, Upload.state == "open",
            Upload.expires_at >= clock.epoch()).order_by(Upload.created_at.desc()).limit(1))
        if same is not None:
            if same.length != length:
                raise SyncError(errors.CONFLICT, detail={"sha256": sha, "length": same.length,
                                                         "location": _location(same.id)}, what="upload length")
            headers = _headers_of(ctx, same)
            headers["Location"] = _location(same.id)
            return 201, headers  # identical re-send: the same upload, to resume
        up = Upload(id=secrets.token_hex(16), device=who.device, sha256=sha, length=length, offset=0, received=0,
                    state="open", meta=meta, created_at=now, expires_at=expires)
        _part(ctx, up.id).touch()
        session.add(up)
        headers = _headers_of(ctx, up)
        headers["Location"] = _location(up.id)
    if length == 0:
        _finish(ctx, up.id, None)
    return 201, headers


# --- head / delete ------------------------------------------------------------------------------
def _load(ctx: Context, who: Principal, upload_id: str) -> Upload:
    with ctx.db.read() as session:
        up = session.get(Upload, upload_id)
    if up is None or up.device != who.device or up.state in ("deleted", "failed"):
        raise SyncError(errors.NOT_FOUND, what=f"upload {upload_id}")
    if up.state == "expired" or (up.state == "open" and up.expires_at < clock.epoch()):
        raise SyncError(errors.UPLOAD_EXPIRED)
    return up


def head(ctx: Context, who: Principal, upload_id: str, tus_resumable: str | None) -> dict[str, str]:
    check_version(tus_resumable)
    return _headers_of(ctx, _load(ctx, who, upload_id))


def delete(ctx: Context, who: Principal, upload_id: str, tus_resumable: str | None) -> None:
    check_version(tus_resumable)
    up = _load(ctx, who, upload_id)
    with ctx.db.write() as session:
        row = session.get(Upload, up.id)
        if row.state == "open":
            row.state = "deleted"
            _part(ctx, up.id).unlink(missing_ok=True)
    runtime(ctx).hashers.pop(up.id, None)


# --- patch --------------------------------------------------------------------------------------
class _Lost(Exception):
    def __init__(self, size: int):
        self.size = size


class _Sink:
    """Writes one PATCH body into the part file and hashes it as the pieces arrive, on the event
    loop, as a plain upload handler would: a piece is some dozens of KiB, written to the page cache
    (the disk catches up behind a flusher) and hashed in microseconds. Handing pieces to worker
    threads instead cost more than it saved (copies, page faults, GIL hand-offs: bench/sync.py)."""

    def __init__(self, path: Path, start: int, whole, chunk):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.f = os.fdopen(fd, "r+b", buffering=0)
        size = os.fstat(fd).st_size
        if size < start:  # acknowledged bytes lost (power loss before the OS wrote them)
            self.f.close()
            raise _Lost(size)
        self.f.truncate(start)  # drop bytes never acknowledged (a crash mid-chunk)
        self.f.seek(start)
        self.whole, self.chunk, self.written = whole, chunk, 0
        self.behind = FlushBehind(fd, FLUSH_BEHIND)

    def add(self, piece: bytes) -> None:
        view = memoryview(piece)
        while view:
            view = view[self.f.write(view):]
        if self.whole is not None:
            self.whole.update(piece)
        if self.chunk is not None:
            self.chunk.update(piece)
        self.behind.wrote(len(piece))
        self.written += len(piece)

    def keep(self) -> None:
        # No fsync per chunk: a killed server process loses nothing the kernel has; after a power
        # loss the part file may be shorter than the acknowledged offset, which the next PATCH
        # detects (the client is sent back to the real length), and the whole-blob sha256 before
        # commit catches anything else. The file is fsynced before it is committed (_finish), and
        # written behind a flusher meanwhile, so that fsync finds little left to write.
        self.behind.stop(wait=False)
        self.f.close()

    def drop(self, start: int) -> None:
        self.behind.stop(wait=False)
        self.f.truncate(start)
        os.fsync(self.f.fileno())
        self.f.close()


async def patch(ctx: Context, who: Principal, upload_id: str, *, tus_resumable: str | None, content_type: str | None,
                upload_offset: str | None, content_length: str | None, upload_checksum: str | None,
                body: AsyncIterator[bytes]) -> dict[str, str]:
    check_version(tus_resumable)
    if (content_type or "").split(";")[0].strip().lower() != wire.UPLOAD_CONTENT_TYPE:
        raise SyncError(errors.UNSUPPORTED_MEDIA, expected=wire.UPLOAD_CONTENT_TYPE)
    offset = _int_header("Upload-Offset", upload_offset)
    declared = _int_header("Content-Length", content_length, required=False)
    expected_digest = chunk_hash = None
    if upload_checksum is not None:
        try:
            algorithm, expected_digest = wire.parse_checksum(upload_checksum)
        except ValueError as exc:
            raise SyncError(errors.MALFORMED, reason=str(exc)) from None
        if algorithm not in wire.CHECKSUM_ALGORITHMS:
            raise SyncError(errors.CHECKSUM_ALGORITHM, algorithm=algorithm, supported=",".join(wire.CHECKSUM_ALGORITHMS))
        chunk_hash = hashlib.new(algorithm)
    rt = runtime(ctx)
    loop = asyncio.get_running_loop()
    lock = rt.locks.setdefault(upload_id, asyncio.Lock())
    try:
        await asyncio.wait_for(lock.acquire(), LOCK_WAIT)
    except asyncio.TimeoutError:
        raise SyncError(errors.UPLOAD_BUSY) from None
    try:
        up = await loop.run_in_executor(rt.pool, _load, ctx, who, upload_id)
        if up.state == "done":
            if offset == up.length and not declared:
                return _headers_of(ctx, up)
            raise SyncError(errors.BAD_OFFSET, detail={"expected": up.length}, given=offset, expected=up.length,
                            headers={"Upload-Offset": str(up.length)})
        if offset != up.offset:
            raise SyncError(errors.BAD_OFFSET, detail={"expected": up.offset}, given=offset, expected=up.offset,
                            headers={"Upload-Offset": str(up.offset)})
        if declared is not None and offset + declared > up.length:
            raise SyncError(errors.TOO_LARGE, size=offset + declared, limit=up.length)
        cached = rt.hashers.pop(upload_id, None)
        whole = cached[1] if cached is not None and cached[0] == offset else None
        if whole is None and offset == 0:
            whole = hashlib.sha256()
        try:
            sink = await loop.run_in_executor(rt.pool, _Sink, _part(ctx, upload_id), offset, whole, chunk_hash)
        except _Lost as lost:
            await loop.run_in_executor(rt.pool, _restart, ctx, upload_id, lost.size)
            raise SyncError(errors.BAD_OFFSET, detail={"expected": lost.size}, given=offset, expected=lost.size,
                            headers={"Upload-Offset": str(lost.size)}) from None
        received, too_large, cut = 0, False, False
        try:
            async for piece in body:
                received += len(piece)
                if offset + received > up.length:
                    too_large = True
                    break
                sink.add(piece)
        except ClientDisconnect:
            cut = True
        keep = not too_large and not (cut and chunk_hash is not None)
        code = None
        if too_large:
            code = SyncError(errors.TOO_LARGE, size=offset + received, limit=up.length)
        elif cut and chunk_hash is not None:
            code = SyncError(errors.CHECKSUM_MISMATCH, detail={"reason": "chunk cut short"})
        elif chunk_hash is not None and chunk_hash.digest() != expected_digest:
            keep = False
            code = SyncError(errors.CHECKSUM_MISMATCH)
        elif declared is not None and not cut and sink.written != declared:
            keep, code = False, SyncError(errors.MALFORMED, reason="body shorter than Content-Length")
        if keep:
            await loop.run_in_executor(rt.pool, sink.keep)
            new_offset = offset + sink.written
        else:
            await loop.run_in_executor(rt.pool, sink.drop, offset)
            new_offset = offset
        await loop.run_in_executor(rt.pool, _acknowledge, ctx, upload_id, offset, new_offset, received)
        if keep and whole is not None:
            rt.hashers[upload_id] = (new_offset, whole)
        if code is not None:
            raise code
        if new_offset == up.length:
            up = await loop.run_in_executor(rt.pool, _finish, ctx, upload_id, rt.hashers.pop(upload_id, (0, None))[1])
        else:
            up.offset = new_offset
        return _headers_of(ctx, up)
    finally:
        lock.release()
        if not lock.locked() and not getattr(lock, "_waiters", None):
            rt.locks.pop(upload_id, None)


def _restart(ctx: Context, upload_id: str, size: int) -> None:
    """Go back to what the part file really holds (the whole-blob hash still guards the end)."""
    runtime(ctx).hashers.pop(upload_id, None)
    with ctx.db.write() as session:
        session.execute(update(Upload).where(Upload.id == upload_id).values(offset=size))


def _acknowledge(ctx: Context, upload_id: str, old: int, new: int, received: int) -> None:
    # Not durable: the part file is not fsynced per chunk either; after a power cut the next PATCH
    # or HEAD finds the real state and the client re-sends from there.
    with ctx.db.write(durable=False) as session:
        session.execute(update(Upload).where(Upload.id == upload_id, Upload.offset == old).values(
            offset=new, received=Upload.received + received,
            expires_at=clock.epoch() + ctx.settings.upload_ttl))


def _finish(ctx: Context, upload_id: str, whole) -> Upload:
    """Every byte is here: hash the whole blob, commit it under its sha256, or delete it."""
    path = _part(ctx, upload_id)
    with ctx.db.read() as session:
        up = session.get(Upload, upload_id)
    with open(path, "rb") as f:
        os.fsync(f.fileno())
    actual = whole.hexdigest() if whole is not None else evidence.file_sha256(path)
    size = path.stat().st_size
    if actual != up.sha256 or size != up.length:
        path.unlink(missing_ok=True)
        with ctx.db.write() as session:
            row = session.get(Upload, upload_id)
            row.state = "failed"
        raise SyncError(errors.HASH_MISMATCH, detail={"expected": up.sha256, "actual": actual},
                        expected=up.sha256, actual=actual)
    evidence.commit_verified(ctx, up.sha256, path, size, up.device)
    with ctx.db.write() as session:
        row = session.get(Upload, upload_id)
        row.state, row.completed_at, row.offset = "done", clock.now_iso(), up.length
        session.flush()
        return row
