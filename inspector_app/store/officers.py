"""Officers (执法人员) on this device and their keys.

Each officer's key slot, unlocked by their own passphrase, holds two secrets: their Ed25519 private
key (only they can sign as themselves) and the device's vault key (any officer of the device can
open the evidence). The first officer's slot creates the vault key; every later officer is added by
an officer who can already unlock it, so the vault key never exists anywhere unencrypted.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.crypto import signing
from inspector_app.crypto.keyslot import KeySlot, generate_vault_key
from inspector_app.domain.messages import InspectorError, define

from . import models
from .clock import now_iso

DUPLICATE_OFFICER = define(
    "officer.duplicate",
    "执法证号 {cert} 已登记（{name}）",
    "Certificate number {cert} is already registered ({name})",
)
BAD_CERT = define(
    "officer.bad_cert",
    "执法证号 {cert} 无效：只能包含字母、数字和 - _ /，长度 1 至 32",
    "Certificate number {cert} is invalid: letters, digits and - _ / only, 1 to 32 characters",
)
NEED_AUTHORISER = define(
    "officer.need_authoriser",
    "本机已有执法人员；添加新人员需要一名已登记人员的口令（--authorised-by 证号，口令来自提示或环境变量）",
    "This device already has officers; adding one needs the passphrase of a registered officer (--authorised-by CERT)",
)
VAULT_KEY = "vault"
SIGNING_KEY = "signing"


@dataclass(frozen=True)
class Unlocked:
    """An officer whose passphrase was given: what they can now do on this device."""

    cert: str
    name: str
    vault_key: bytes
    signing_key: bytes

    @property
    def public_key(self) -> bytes:
        return signing.public_key_of(self.signing_key)


def _check_cert(cert: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9_/\-]{1,32}", cert):
        raise InspectorError(BAD_CERT, exit_code=2, cert=cert)
    return cert


def all_rows(session: Session) -> list[models.Officer]:
    return list(session.scalars(select(models.Officer).order_by(models.Officer.cert)))


def get_row(session: Session, cert: str) -> models.Officer:
    from .inspections import UNKNOWN_OFFICER

    row = session.get(models.Officer, cert)
    if row is None:
        raise InspectorError(UNKNOWN_OFFICER, exit_code=2, cert=cert)
    return row


def unlock(session: Session, cert: str, passphrase: str) -> Unlocked:
    row = get_row(session, cert)
    secrets = KeySlot.from_json(row.keyslot).unlock(passphrase)
    return Unlocked(cert, row.name, secrets[VAULT_KEY], secrets[SIGNING_KEY])


def add(session: Session, *, name: str, cert: str, passphrase: str, authorised_by: Unlocked | None) -> models.Officer:
    """Register an officer with a new key pair. ``authorised_by`` supplies the vault key when the
    device already has officers; the first officer creates it."""
    _check_cert(cert)
    existing = session.get(models.Officer, cert)
    if existing is not None:
        raise InspectorError(DUPLICATE_OFFICER, exit_code=1, cert=cert, name=existing.name)
    if authorised_by is None and session.scalar(select(models.Officer.cert).limit(1)) is not None:
        raise InspectorError(NEED_AUTHORISER, exit_code=2)
    vault_key = authorised_by.vault_key if authorised_by is not None else generate_vault_key()
    private = signing.generate_private_key()
    public = signing.b64(signing.public_key_of(private))
    slot = KeySlot.create(passphrase, {VAULT_KEY: vault_key, SIGNING_KEY: private})
    now = now_iso()
    row = models.Officer(cert=cert, name=name, public_key=public, keyslot=slot.to_json(), created_at=now)
    session.add(row)
    session.flush()
    session.add(models.OfficerKey(public_key=public, cert=cert, created_at=now, retired_at=None))
    return row


def rotate_key(session: Session, cert: str, passphrase: str) -> models.Officer:
    """A new signing key for an officer. The old public key stays in officer_keys (and in every
    record it signed), so records signed before the rotation remain verifiable."""
    current = unlock(session, cert, passphrase)
    row = get_row(session, cert)
    private = signing.generate_private_key()
    public = signing.b64(signing.public_key_of(private))
    now = now_iso()
    old = session.get(models.OfficerKey, row.public_key)
    if old is not None:
        old.retired_at = now
    row.public_key = public
    row.keyslot = KeySlot.create(passphrase, {VAULT_KEY: current.vault_key, SIGNING_KEY: private}).to_json()
    session.add(models.OfficerKey(public_key=public, cert=cert, created_at=now, retired_at=None))
    return row


def keys_of(session: Session, cert: str) -> list[models.OfficerKey]:
    return list(session.scalars(select(models.OfficerKey).where(models.OfficerKey.cert == cert)
                                .order_by(models.OfficerKey.created_at)))
