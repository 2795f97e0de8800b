"""Devices: one-time enrolment codes, enrolment, tokens, revocation."""
from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inspector_app.crypto import signing
from inspector_app.domain.messages import InspectorError, define
from sync.protocol import errors
from sync.protocol.errors import SyncError

from .. import clock
from ..auth import token_hash
from ..context import Context
from ..settings import DEFAULT_ENROL_TTL
from .models import Device, EnrolmentCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 16

UNKNOWN_DEVICE = define("server.unknown_device", "未找到设备 {name}", "No device named {name}")
DEVICE_REVOKED = define("server.device_revoked", "设备 {name} 已被吊销，请用新名称注册",
                        "Device {name} was revoked; enrol the laptop under a new name")


def normalise_code(code: str) -> str:
    return "".join(c for c in str(code).upper() if c.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(("enrol:" + normalise_code(code)).encode("ascii", "replace")).hexdigest()


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def invite(ctx: Context, name: str, *, ttl: int = DEFAULT_ENROL_TTL) -> dict:
    """A one-time code for device ``name`` (created if new); only its hash is kept."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with ctx.db.write() as session:
        device = session.scalar(select(Device).where(Device.name == name))
        if device is None:
            device = Device(name=name, status="invited", created_at=clock.now_iso(), label="")
            session.add(device)
            session.flush()
        elif device.status == "revoked":
            raise InspectorError(DEVICE_REVOKED, exit_code=1, name=name)
        expires = clock.epoch() + ttl
        session.add(EnrolmentCode(code_hash=code_hash(raw), device=device.id, expires_at=expires,
                                  created_at=clock.now_iso()))
    return {"name": name, "code": format_code(raw), "expires_at": clock.http_date(expires), "expires_epoch": expires}


def enrol(ctx: Context, *, code: str, label: str, public_key: str, device_id: str | None) -> dict:
    try:
        if len(signing.unb64(public_key)) != signing.KEY_SIZE:
            raise ValueError
    except ValueError:
        raise SyncError(errors.MALFORMED, reason="public_key must be base64 of a raw 32-byte Ed25519 key") from None
    token = secrets.token_urlsafe(32)
    with ctx.db.write() as session:
        row = session.get(EnrolmentCode, code_hash(code), with_for_update=True)
        if row is None or row.used_at is not None or row.expires_at < clock.epoch():
            raise SyncError(errors.BAD_CODE)
        device = session.get(Device, row.device, with_for_update=True)
        if device is None or device.status == "revoked":
            raise SyncError(errors.BAD_CODE)
        wanted = device_id or device.device_id or str(uuid.uuid4())
        other = session.scalar(select(Device).where(Device.device_id == wanted, Device.id != device.id))
        if other is not None:
            raise SyncError(errors.DEVICE_EXISTS, device_id=wanted)
        if device.device_id is not None and device.device_id != wanted:
            # Re-enrolling a name with a different laptop: its history stays with the old id.
            raise SyncError(errors.DEVICE_EXISTS, device_id=device.device_id)
        row.used_at = clock.now_iso()
        device.device_id = wanted
        device.label = label
        device.public_key = public_key
        device.token_hash = token_hash(token)  # a new token replaces the old one
        device.status = "active"
        device.enrolled_at = clock.now_iso()
        try:
            session.flush()
        except IntegrityError:
            raise SyncError(errors.DEVICE_EXISTS, device_id=wanted) from None
        name = device.name
    return {"token": token, "device_id": wanted, "device_name": name,
            "server_public_key": signing.b64(ctx.settings.public_key), "server_time": clock.now_iso(),
            "api": "/api/v1"}


def revoke(ctx: Context, name: str) -> dict:
    with ctx.db.write() as session:
        device = session.scalar(select(Device).where(Device.name == name))
        if device is None:
            raise InspectorError(UNKNOWN_DEVICE, exit_code=2, name=name)
        device.status = "revoked"
        device.revoked_at = clock.now_iso()
        return describe(device)


def describe(device: Device) -> dict:
    return {"name": device.name, "device_id": device.device_id, "status": device.status, "label": device.label,
            "enrolled_at": device.enrolled_at, "revoked_at": device.revoked_at,
            "audit_head": None if device.audit_seq is None else {"seq": device.audit_seq, "hash": device.audit_hash}}


def all_devices(ctx: Context) -> list[dict]:
    with ctx.db.read() as session:
        return [describe(d) for d in session.scalars(select(Device).order_by(Device.name))]


def by_name(session, name: str) -> Device:
    device = session.scalar(select(Device).where(Device.name == name))
    if device is None:
        raise InspectorError(UNKNOWN_DEVICE, exit_code=2, name=name)
    return device
