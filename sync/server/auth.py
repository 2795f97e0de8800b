"""Bearer tokens: one per enrolled device (kept as sha256 on the server), and the admin secret."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from sync.protocol import errors
from sync.protocol.errors import SyncError

from .context import Context
from .devices.models import Device

bearer = HTTPBearer(auto_error=False, description="A device token from enrolment, or the admin secret")


@dataclass(frozen=True)
class Principal:
    admin: bool
    device: int | None = None      # devices.id
    device_id: str | None = None   # the id the device's records carry
    name: str = "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(ctx: Context, token: str | None) -> Principal:
    if not token:
        raise SyncError(errors.UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
    digest = token_hash(token)
    if hmac.compare_digest(digest, ctx.settings.admin_secret_hash):
        return Principal(admin=True)
    with ctx.db.read() as session:
        device = session.scalar(select(Device).where(Device.token_hash == digest))
        if device is None:
            raise SyncError(errors.UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
        if device.status != "active":
            raise SyncError(errors.REVOKED, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return Principal(admin=False, device=device.id, device_id=device.device_id, name=device.name)


def get_context(request: Request) -> Context:
    return request.app.state.ctx


def principal(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    header = request.headers.get("authorization")
    if credentials is None and header:
        raise SyncError(errors.UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
    return authenticate(get_context(request), credentials.credentials if credentials else None)


def device_principal(p: Principal = Depends(principal)) -> Principal:
    """Endpoints that act as a device (push, upload, pull): the admin secret is not a device."""
    if p.admin:
        raise SyncError(errors.FORBIDDEN, what="device endpoints with the admin secret")
    return p
