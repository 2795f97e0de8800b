"""Inspectors (执法人员) registered by the county, and their public keys."""
from __future__ import annotations

from sqlalchemy import select

from inspector_app.crypto import signing
from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from ..devices.service import by_name
from .models import DeviceInspector, Inspector, InspectorKey

BAD_KEY = define("server.bad_public_key", "公钥 {key} 无效：应为 32 字节 Ed25519 公钥的 base64",
                 "Public key {key} is invalid: expected base64 of a 32-byte Ed25519 key")
KEY_TAKEN = define("server.key_taken", "公钥已登记给执法人员 {cert}", "That public key is already registered to {cert}")


def add(ctx: Context, *, name: str, cert: str, public_key: str, devices: list[str] = ()) -> dict:
    try:
        if len(signing.unb64(public_key)) != signing.KEY_SIZE:
            raise ValueError
    except ValueError:
        raise InspectorError(BAD_KEY, exit_code=2, key=public_key) from None
    with ctx.db.write() as session:
        inspector = session.get(Inspector, cert)
        if inspector is None:
            inspector = Inspector(cert=cert, name=name, created_at=clock.now_iso())
            session.add(inspector)
            session.flush()
        else:
            inspector.name = name
        key = session.get(InspectorKey, public_key)
        if key is not None and key.cert != cert:
            raise InspectorError(KEY_TAKEN, exit_code=1, cert=key.cert)
        if key is None:
            session.add(InspectorKey(public_key=public_key, cert=cert, created_at=clock.now_iso()))
        for device_name in devices:
            link(session, by_name(session, device_name).id, cert)
        keys = sorted(k for k in session.scalars(select(InspectorKey.public_key).where(InspectorKey.cert == cert)))
    keys = sorted(set(keys) | {public_key})
    return {"cert": cert, "name": name, "public_keys": keys}


def link(session, device_pk: int, cert: str) -> None:
    if session.get(DeviceInspector, (device_pk, cert)) is None:
        session.add(DeviceInspector(device=device_pk, cert=cert))


def all_inspectors(ctx: Context) -> list[dict]:
    with ctx.db.read() as session:
        out = []
        for inspector in session.scalars(select(Inspector).order_by(Inspector.cert)):
            keys = list(session.scalars(select(InspectorKey.public_key).where(InspectorKey.cert == inspector.cert)))
            out.append({"cert": inspector.cert, "name": inspector.name, "public_keys": sorted(keys)})
        return out


def certs_of_device(session, device_pk: int) -> list[str]:
    return list(session.scalars(select(DeviceInspector.cert).where(DeviceInspector.device == device_pk)))
