"""The admin pages' operations: devices and their sync state, inspectors (add, revoke), document
number blocks, staff users, and re-verifying the blob store off the request with progress."""
from __future__ import annotations

import hashlib
import logging
import threading
import time

from sqlalchemy import delete, func, select

from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from ..devices import service as devices
from ..devices.models import Device
from ..evidence.models import Blob
from ..inspectors import service as inspectors
from ..inspectors.models import DeviceInspector, Inspector, InspectorKey
from ..pulls import service as pulls
from ..pulls.models import NumberBlock
from ..records.models import RecordEvidence, StoredRecord
from .models import Job, RevokedInspectorKey

log = logging.getLogger("inspector.server.web")
READ_BLOCK = 4 * 1024 * 1024

UNKNOWN_DEVICE_ID = define("web.unknown_device", "没有编号为 {id} 的设备", "There is no device {id}")
UNKNOWN_INSPECTOR = define("web.unknown_inspector", "没有执法证号为 {cert} 的执法人员", "There is no inspector with certificate {cert}")
BAD_FIELD = define("web.bad_field", "“{field}”无效：{reason}", "\"{field}\" is invalid: {reason}")


def bad(field: str, reason: str) -> InspectorError:
    return InspectorError(BAD_FIELD, exit_code=2, field=field, reason=reason)


# --- devices --------------------------------------------------------------------------------------
def device_rows(ctx: Context) -> list[dict]:
    with ctx.db.read() as s:
        rows = s.execute(select(StoredRecord.device, func.count(), func.max(StoredRecord.received_at))
                         .group_by(StoredRecord.device)).all()
        pending = dict(s.execute(select(StoredRecord.device, func.count()).where(StoredRecord.status == "pending")
                                 .group_by(StoredRecord.device)).all())
        stats = {d: (n, last) for d, n, last in rows}
        out = []
        for d in s.scalars(select(Device).order_by(Device.name)):
            n, last = stats.get(d.id, (0, None))
            out.append(devices.describe(d) | {"id": d.id, "records": n, "last_push": last,
                                              "pending": pending.get(d.id, 0), "created_at": d.created_at})
        return out


def device_detail(ctx: Context, device_pk: int) -> dict | None:
    with ctx.db.read() as s:
        d = s.get(Device, device_pk)
        if d is None:
            return None
        pending = []
        for record_hash, received in s.execute(
                select(StoredRecord.hash, StoredRecord.received_at)
                .where(StoredRecord.device == d.id, StoredRecord.status == "pending").order_by(StoredRecord.seq)):
            missing = list(s.scalars(
                select(RecordEvidence.sha256).where(RecordEvidence.record_hash == record_hash,
                                                    RecordEvidence.sha256.not_in(select(Blob.sha256)))
                .order_by(RecordEvidence.sha256)))
            pending.append({"hash": record_hash, "received_at": received, "missing": missing})
        recent = [{"hash": h, "received_at": r, "status": st} for h, r, st in s.execute(
            select(StoredRecord.hash, StoredRecord.received_at, StoredRecord.status)
            .where(StoredRecord.device == d.id).order_by(StoredRecord.seq.desc()).limit(20))]
        blocks = [pulls._block(b) for b in s.scalars(select(NumberBlock).where(NumberBlock.device == d.id)
                                                     .order_by(NumberBlock.id))]
        certs = list(s.scalars(select(DeviceInspector.cert).where(DeviceInspector.device == d.id)))
        return devices.describe(d) | {"id": d.id, "created_at": d.created_at, "pending": pending, "recent": recent,
                                      "blocks": blocks, "inspectors": certs}


def device_name(ctx: Context, device_pk: int) -> str:
    with ctx.db.read() as s:
        d = s.get(Device, device_pk)
        if d is None:
            raise InspectorError(UNKNOWN_DEVICE_ID, exit_code=2, id=device_pk)
        return d.name


def enrol(ctx: Context, name: str, ttl_hours: int) -> dict:
    name = name.strip()
    if not 1 <= len(name) <= 100 or any(ord(c) < 32 for c in name):
        raise bad("设备名称", "1 至 100 个字符")
    if not 1 <= ttl_hours <= 24 * 14:
        raise bad("有效期", "1 至 336 小时")
    return devices.invite(ctx, name, ttl=ttl_hours * 3600)


def revoke_device(ctx: Context, device_pk: int) -> dict:
    return devices.revoke(ctx, device_name(ctx, device_pk))


# --- inspectors -----------------------------------------------------------------------------------
def inspector_rows(ctx: Context) -> list[dict]:
    with ctx.db.read() as s:
        keys: dict[str, list[str]] = {}
        for key in s.scalars(select(InspectorKey)):
            keys.setdefault(key.cert, []).append(key.public_key)
        revoked: dict[str, list[RevokedInspectorKey]] = {}
        for r in s.scalars(select(RevokedInspectorKey)):
            revoked.setdefault(r.cert, []).append(r)
        out = []
        for i in s.scalars(select(Inspector).order_by(Inspector.cert)):
            gone = revoked.get(i.cert, [])
            out.append({"cert": i.cert, "name": i.name, "public_keys": sorted(keys.get(i.cert, [])),
                        "active": bool(keys.get(i.cert)), "revoked_at": max((r.revoked_at for r in gone), default=None),
                        "revoked_keys": len(gone), "created_at": i.created_at})
        return out


def add_inspector(ctx: Context, name: str, cert: str, public_key: str, device: str = "") -> dict:
    name, cert, public_key = name.strip(), cert.strip(), public_key.strip()
    if not name or len(name) > 100:
        raise bad("姓名", "不能为空")
    if not cert or len(cert) > 64 or any(c.isspace() for c in cert):
        raise bad("执法证号", "不能为空，不含空白")
    return inspectors.add(ctx, name=name, cert=cert, public_key=public_key, devices=[device] if device else [])


def revoke_inspector(ctx: Context, cert: str, *, by: str) -> dict:
    """Take every key of ``cert`` out of service: pushes signed with them are refused as unknown
    keys from now on; records already stored keep verifying (the record lists its own keys)."""
    now = clock.now_iso()
    with ctx.db.write() as s:
        person = s.get(Inspector, cert)
        if person is None:
            raise InspectorError(UNKNOWN_INSPECTOR, exit_code=2, cert=cert)
        keys = list(s.scalars(select(InspectorKey).where(InspectorKey.cert == cert)))
        for key in keys:
            if s.get(RevokedInspectorKey, key.public_key) is None:
                s.add(RevokedInspectorKey(public_key=key.public_key, cert=cert, name=person.name, revoked_at=now,
                                          revoked_by=by))
        s.flush()
        s.execute(delete(InspectorKey).where(InspectorKey.cert == cert))
        return {"cert": cert, "name": person.name, "revoked_keys": len(keys)}


# --- number blocks --------------------------------------------------------------------------------
def number_blocks(ctx: Context) -> list[dict]:
    with ctx.db.read() as s:
        names = dict(s.execute(select(Device.id, Device.name)).all())
        return [pulls._block(b) | {"device": names.get(b.device, "?")}
                for b in s.scalars(select(NumberBlock).order_by(NumberBlock.year.desc(), NumberBlock.prefix,
                                                                NumberBlock.start))]


def allocate(ctx: Context, device_pk: int, prefix: str, year: str, count: str) -> dict:
    from inspector_app.domain.numbering import PREFIXES

    if prefix not in PREFIXES:
        raise bad("文书种类", "可选：" + "、".join(PREFIXES))
    try:
        y, n = int(year), int(count)
    except ValueError:
        raise bad("年度或数量", "应为整数") from None
    if not 1 <= n <= 9999:
        raise bad("数量", "1 至 9999")
    return pulls.allocate_numbers(ctx, device=device_name(ctx, device_pk), prefix=prefix, year=y, count=n)


# --- re-verifying the blob store ------------------------------------------------------------------
def _job(j: Job, running_here: set[int]) -> dict:
    return {"id": j.id, "kind": j.kind, "state": j.state, "done": j.done, "total": j.total, "result": j.result,
            "started_at": j.started_at, "finished_at": j.finished_at, "started_by": j.started_by,
            "here": j.id in running_here}


def jobs(ctx: Context) -> list[dict]:
    here = ctx.runtime.setdefault("web_jobs", set())
    with ctx.db.read() as s:
        return [_job(j, here) for j in s.scalars(select(Job).order_by(Job.id.desc()).limit(20))]


def job(ctx: Context, job_id: int) -> dict | None:
    here = ctx.runtime.setdefault("web_jobs", set())
    with ctx.db.read() as s:
        j = s.get(Job, job_id)
        return _job(j, here) if j is not None else None


def start_reverify(ctx: Context, *, by: str) -> int:
    """Start re-hashing every blob in a background thread (one at a time per process)."""
    here = ctx.runtime.setdefault("web_jobs", set())
    lock = ctx.runtime.setdefault("web_jobs_lock", threading.Lock())
    with lock:
        if here:
            return next(iter(here))
        with ctx.db.write() as s:
            total = s.scalar(select(func.count()).select_from(Blob)) or 0
            row = Job(kind="reverify", state="running", done=0, total=total, result=None, started_at=clock.now_iso(),
                      started_by=by)
            s.add(row)
            s.flush()
            job_id = row.id
        here.add(job_id)
    threading.Thread(target=_reverify, args=(ctx, job_id), name=f"reverify-{job_id}", daemon=True).start()
    return job_id


def _reverify(ctx: Context, job_id: int) -> None:
    here = ctx.runtime.setdefault("web_jobs", set())
    bad_blobs, missing, done = [], [], 0
    try:
        with ctx.db.read() as s:
            blobs = [(b.sha256, b.size) for b in s.scalars(select(Blob).order_by(Blob.sha256))]
        last = time.monotonic()
        for sha256, size in blobs:
            try:
                digest, n = hashlib.sha256(), 0
                with ctx.blobs.open(sha256) as f:
                    while block := f.read(READ_BLOCK):
                        digest.update(block)
                        n += len(block)
                if digest.hexdigest() != sha256 or n != size:
                    bad_blobs.append({"sha256": sha256, "actual": digest.hexdigest(), "size": n, "expected_size": size})
                else:
                    with ctx.db.write() as s:
                        row = s.get(Blob, sha256)
                        if row is not None:
                            row.verified_at = clock.now_iso()
            except FileNotFoundError:
                missing.append(sha256)
            done += 1
            if time.monotonic() - last > 0.3:
                last = time.monotonic()
                with ctx.db.write() as s:
                    s.get(Job, job_id).done = done
        result = {"checked": done, "ok": done - len(bad_blobs) - len(missing), "mismatched": bad_blobs, "missing": missing}
        state = "done"
    except Exception as exc:  # pragma: no cover - reported on the page
        log.exception("reverify job %s failed", job_id)
        result, state = {"error": str(exc)}, "failed"
    try:
        with ctx.db.write() as s:
            row = s.get(Job, job_id)
            row.done, row.state, row.result, row.finished_at = done, state, result, clock.now_iso()
    finally:
        here.discard(job_id)
