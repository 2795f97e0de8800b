"""Evidence blobs: committing a verified file, who may read one, and completing pending records."""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync.protocol import errors
from sync.protocol.errors import SyncError
from sync.protocol.wire import is_sha256

from .. import clock
from ..auth import Principal
from ..context import Context
from .models import Blob, BlobUploader

READ_BLOCK = 4 * 1024 * 1024


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def stored(ctx: Context, sha256: str) -> Blob | None:
    with ctx.db.read() as session:
        return session.get(Blob, sha256)


def commit_verified(ctx: Context, sha256: str, path: Path, size: int, device_pk: int | None) -> None:
    """Put a file whose sha256 was just computed by the server into the blob store and the DB,
    then complete the records that were waiting for it. Idempotent."""
    ctx.blobs.put_verified(sha256, path)
    now = clock.now_iso()
    for _attempt in range(3):
        try:
            with ctx.db.write() as session:
                if session.get(Blob, sha256) is None:
                    session.add(Blob(sha256=sha256, size=size, stored_at=now, verified_at=now))
                    session.flush()
                if device_pk is not None and session.get(BlobUploader, (sha256, device_pk)) is None:
                    session.add(BlobUploader(sha256=sha256, device=device_pk))
            break
        except IntegrityError:  # a concurrent upload of the same blob committed first
            continue
    from ..records.service import reconcile_for_blobs

    reconcile_for_blobs(ctx, [sha256])


def check_sha(sha256: str) -> None:
    if not is_sha256(sha256):
        raise SyncError(errors.MALFORMED, reason="sha256 must be 64 lower-case hex digits")


def readable(ctx: Context, who: Principal, sha256: str) -> Blob:
    """The blob, if ``who`` may read its bytes: the admin, a device that uploaded it, or a device
    whose stored record lists it. Anyone else gets 404, as if it did not exist."""
    from ..records.models import RecordEvidence, StoredRecord

    check_sha(sha256)
    with ctx.db.read() as session:
        blob = session.get(Blob, sha256)
        if blob is None:
            raise SyncError(errors.NOT_FOUND, what=f"evidence {sha256}")
        if who.admin:
            return blob
        if session.get(BlobUploader, (sha256, who.device)) is not None:
            return blob
        listed = session.scalar(
            select(StoredRecord.seq).join(RecordEvidence, RecordEvidence.record_hash == StoredRecord.hash)
            .where(RecordEvidence.sha256 == sha256, StoredRecord.device == who.device).limit(1))
        if listed is None:
            raise SyncError(errors.NOT_FOUND, what=f"evidence {sha256}")
        return blob


def exists_for(ctx: Context, who: Principal, sha256: str) -> Blob:
    """HEAD: any enrolled device may ask whether a blob is stored (to skip an upload)."""
    check_sha(sha256)
    blob = stored(ctx, sha256)
    if blob is None:
        raise SyncError(errors.NOT_FOUND, what=f"evidence {sha256}")
    return blob


def reverify(ctx: Context) -> dict:
    """Re-hash every stored blob; lists the ones whose bytes no longer match their name."""
    bad, missing, checked = [], [], 0
    with ctx.db.read() as session:
        blobs = [(b.sha256, b.size) for b in session.scalars(select(Blob).order_by(Blob.sha256))]
    for sha256, size in blobs:
        checked += 1
        try:
            with ctx.blobs.open(sha256) as f:
                digest = hashlib.sha256()
                n = 0
                while block := f.read(READ_BLOCK):
                    digest.update(block)
                    n += len(block)
        except FileNotFoundError:
            missing.append(sha256)
            continue
        if digest.hexdigest() != sha256 or n != size:
            bad.append({"sha256": sha256, "actual": digest.hexdigest(), "size": n, "expected_size": size})
        else:
            with ctx.db.write() as session:
                row = session.get(Blob, sha256)
                if row is not None:
                    row.verified_at = clock.now_iso()
    return {"checked": checked, "ok": checked - len(bad) - len(missing), "mismatched": bad, "missing": missing}
