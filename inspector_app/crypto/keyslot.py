"""Passphrase-protected key slots: the only place secrets rest on disk, always encrypted.

Key hierarchy (docs/vault-format.md): passphrase --Argon2id--> KEK --AES-256-GCM--> the slot's
named secrets (the device's vault key and the officer's Ed25519 private key) ; the vault key in turn
wraps a random key per evidence file (crypto/stream.py).

A slot is a JSON-serialisable dict::

    {"format": "inspector-keyslot", "version": 1, "purpose": "officer",
     "kdf": {"algorithm": "argon2id", "salt": b64, "iterations": 3, "lanes": 4,
             "memory_cost": 131072},                 # KiB
     "cipher": "aes-256-gcm", "nonce": b64, "ciphertext": b64}

The ciphertext is AES-256-GCM under the KEK of the canonical JSON ``{"name": base64 secret, ...}``;
its associated data is the canonical JSON of every clear field (format, version, purpose, KDF
algorithm and parameters, cipher), so none of them can be changed without the slot failing to open:
an attacker cannot, say, lower the stored Argon2 cost or reuse a slot for another purpose.

Passphrases are NFC-normalised before use, so the same Chinese passphrase typed through different
input methods gives the same key. Older slot versions are upgraded on load through ``UPGRADES``.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from inspector_app.domain.messages import InspectorError, define

FORMAT = "inspector-keyslot"
VERSION = 1
KDF_ALGORITHM = "argon2id"
CIPHER = "aes-256-gcm"
SALT_LEN = 16
DEFAULT_PURPOSE = "officer"

WRONG_PASSPHRASE = define(
    "keyslot.wrong_passphrase",
    "口令错误（或密钥槽已损坏）",
    "Wrong passphrase (or the key slot is damaged)",
)
EMPTY_PASSPHRASE = define(
    "keyslot.empty_passphrase",
    "口令不能为空",
    "The passphrase must not be empty",
)
BAD_FORMAT = define(
    "keyslot.bad_format",
    "密钥槽格式无效：{reason}",
    "The key slot is malformed: {reason}",
)
UNKNOWN_SLOT_VERSION = define(
    "keyslot.unknown_version",
    "密钥槽格式版本 {version} 未知，请升级本软件",
    "Unknown key-slot format version {version}; upgrade this software",
)
BAD_PARAMS = define(
    "keyslot.bad_params",
    "密钥派生参数无效：{reason}",
    "Invalid key-derivation parameters: {reason}",
)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults take about 0.25 s and 128 MiB on a 2020s laptop core, which is
    above RFC 9106's second recommended option (t=3, 64 MiB) and bearable at each unlock."""

    iterations: int = 3
    lanes: int = 4
    memory_cost: int = 128 * 1024  # KiB

    def check(self) -> None:
        def bad(reason: str) -> InspectorError:
            return InspectorError(BAD_PARAMS, reason=reason)

        for name in ("iterations", "lanes", "memory_cost"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise bad(f"{name} must be an integer")
        if not 1 <= self.iterations <= 64:
            raise bad("iterations must be 1..64")
        if not 1 <= self.lanes <= 64:
            raise bad("lanes must be 1..64")
        # Argon2 needs at least 8 KiB per lane; above 4 GiB a slot would be a denial of service.
        if not 8 * self.lanes <= self.memory_cost <= 4 * 1024 * 1024:
            raise bad("memory_cost must be between 8 KiB per lane and 4 GiB")


DEFAULT_PARAMS = KdfParams()


def generate_vault_key() -> bytes:
    """A fresh random 256-bit vault key."""
    return AESGCM.generate_key(bit_length=256)


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not passphrase:
        raise InspectorError(EMPTY_PASSPHRASE, exit_code=2)
    return bytes(passphrase)


def _kek(passphrase: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=params.iterations, lanes=params.lanes,
                    memory_cost=params.memory_cost).derive(_passphrase_bytes(passphrase))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise InspectorError(BAD_FORMAT, reason=f"{what} is not a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InspectorError(BAD_FORMAT, reason=f"{what} is not valid base64") from None


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# Upgrade chain: UPGRADES[n] turns a version-n slot dict into a version n+1 dict. Version 1 is the
# first released format, so the chain is empty; the mechanism is tested with a registered step.
UPGRADES: dict[int, Callable[[dict], dict]] = {}


def upgrade(data: dict) -> dict:
    """Bring a slot dict up to the current VERSION through UPGRADES."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InspectorError(BAD_FORMAT, reason="no version")
    if version > VERSION:
        raise InspectorError(UNKNOWN_SLOT_VERSION, version=version)
    while version < VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise InspectorError(UNKNOWN_SLOT_VERSION, version=version)
        data = step(dict(data))
        if data.get("version") != version + 1:
            raise RuntimeError(f"key-slot upgrade from version {version} did not produce version {version + 1}")
        version += 1
    return data


@dataclass(frozen=True)
class KeySlot:
    """Named secrets encrypted under a key derived from one passphrase."""

    purpose: str
    salt: bytes
    params: KdfParams
    nonce: bytes
    ciphertext: bytes = field(repr=False)
    version: int = VERSION

    @classmethod
    def create(cls, passphrase: str | bytes, secrets: Mapping[str, bytes], params: KdfParams | None = None,
               *, purpose: str = DEFAULT_PURPOSE) -> KeySlot:
        params = params or DEFAULT_PARAMS
        params.check()
        if not secrets:
            raise ValueError("a key slot needs at least one secret")
        payload = {}
        for name, value in secrets.items():
            if not isinstance(name, str) or not name:
                raise ValueError("secret names must be non-empty strings")
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise TypeError(f"secret {name!r} must be bytes")
            payload[name] = _b64(bytes(value))
        salt = os.urandom(SALT_LEN)
        nonce = os.urandom(12)
        slot = cls(purpose=purpose, salt=salt, params=params, nonce=nonce, ciphertext=b"")
        kek = _kek(passphrase, salt, params)
        ciphertext = AESGCM(kek).encrypt(nonce, _canonical(payload), slot._aad())
        return cls(purpose=purpose, salt=salt, params=params, nonce=nonce, ciphertext=ciphertext)

    def _clear_fields(self) -> dict:
        return {
            "format": FORMAT,
            "version": self.version,
            "purpose": self.purpose,
            "kdf": {
                "algorithm": KDF_ALGORITHM,
                "salt": _b64(self.salt),
                "iterations": self.params.iterations,
                "lanes": self.params.lanes,
                "memory_cost": self.params.memory_cost,
            },
            "cipher": CIPHER,
            "nonce": _b64(self.nonce),
        }

    def _aad(self) -> bytes:
        return _canonical(self._clear_fields())

    def unlock(self, passphrase: str | bytes) -> dict[str, bytes]:
        """The secrets, or ``keyslot.wrong_passphrase``."""
        kek = _kek(passphrase, self.salt, self.params)
        try:
            plain = AESGCM(kek).decrypt(self.nonce, self.ciphertext, self._aad())
        except InvalidTag:
            raise InspectorError(WRONG_PASSPHRASE) from None
        try:
            payload = json.loads(plain)
            return {name: base64.b64decode(value, validate=True) for name, value in payload.items()}
        except (ValueError, AttributeError, TypeError, binascii.Error):
            raise InspectorError(BAD_FORMAT, reason="secrets are malformed") from None

    def rewrap(self, passphrase_old: str | bytes, passphrase_new: str | bytes,
               params: KdfParams | None = None) -> KeySlot:
        """The same secrets under a new passphrase (fresh salt and nonce; ``params`` to change the
        Argon2 cost, else the current one)."""
        secrets = self.unlock(passphrase_old)
        return KeySlot.create(passphrase_new, secrets, params or self.params, purpose=self.purpose)

    def to_json(self) -> dict:
        """A JSON-serialisable dict (json.dumps it, or store it in a JSON column)."""
        data = self._clear_fields()
        data["ciphertext"] = _b64(self.ciphertext)
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)

    @classmethod
    def from_json(cls, data: Mapping | str | bytes) -> KeySlot:
        if isinstance(data, (str, bytes, bytearray)):
            try:
                data = json.loads(data)
            except ValueError:
                raise InspectorError(BAD_FORMAT, reason="not JSON") from None
        if not isinstance(data, Mapping):
            raise InspectorError(BAD_FORMAT, reason="not a JSON object")
        if data.get("format") != FORMAT:
            raise InspectorError(BAD_FORMAT, reason="not an Inspector key slot")
        data = upgrade(dict(data))
        try:
            kdf = data["kdf"]
            if kdf.get("algorithm") != KDF_ALGORITHM:
                raise InspectorError(BAD_FORMAT, reason=f"unsupported KDF {kdf.get('algorithm')!r}")
            if data.get("cipher") != CIPHER:
                raise InspectorError(BAD_FORMAT, reason=f"unsupported cipher {data.get('cipher')!r}")
            params = KdfParams(iterations=kdf["iterations"], lanes=kdf["lanes"], memory_cost=kdf["memory_cost"])
            purpose = data["purpose"]
            if not isinstance(purpose, str):
                raise InspectorError(BAD_FORMAT, reason="purpose is not a string")
            salt = _unb64(kdf["salt"], "salt")
            nonce = _unb64(data["nonce"], "nonce")
            ciphertext = _unb64(data["ciphertext"], "ciphertext")
        except (KeyError, AttributeError, TypeError) as exc:
            raise InspectorError(BAD_FORMAT, reason=f"missing or wrong field {exc}") from None
        params.check()
        if len(salt) < SALT_LEN or len(nonce) != 12 or len(ciphertext) < 16:
            raise InspectorError(BAD_FORMAT, reason="salt, nonce or ciphertext has the wrong length")
        return cls(purpose=purpose, salt=salt, params=params, nonce=nonce, ciphertext=ciphertext,
                   version=data["version"])
