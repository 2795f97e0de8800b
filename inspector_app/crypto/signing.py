"""Ed25519 keys and signatures over raw bytes: the one signer of the project.

Keys travel as their raw 32-byte encodings (RFC 8032), signatures as 64 raw bytes; in JSON both are
standard base64 with padding (RFC 4648 §4). Private keys at rest are the vault's business, not this
module's: here they are plain ``bytes`` handed in by the caller.
"""
from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat, NoEncryption

__all__ = [
    "KEY_SIZE",
    "SIGNATURE_SIZE",
    "generate_private_key",
    "public_key_of",
    "sign",
    "verify",
    "b64",
    "unb64",
    "fingerprint",
]

KEY_SIZE = 32
SIGNATURE_SIZE = 64
FINGERPRINT_DISPLAY_CHARS = 16


def _raw(value: bytes, size: int, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise ValueError(f"{what} must be {size} raw bytes")
    return bytes(value)


def generate_private_key() -> bytes:
    """A fresh Ed25519 private key as its raw 32-byte seed."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_of(private_raw: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(_raw(private_raw, KEY_SIZE, "private key"))
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(private_raw: bytes, data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``data`` (pure Ed25519, no pre-hash, no context)."""
    key = Ed25519PrivateKey.from_private_bytes(_raw(private_raw, KEY_SIZE, "private key"))
    return key.sign(bytes(data))


def verify(public_raw: bytes, signature: bytes, data: bytes) -> bool:
    """True only for a valid signature; any malformed key or signature is simply False."""
    if not isinstance(public_raw, (bytes, bytearray)) or len(public_raw) != KEY_SIZE:
        return False
    if not isinstance(signature, (bytes, bytearray)) or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_raw)).verify(bytes(signature), bytes(data))
    except (InvalidSignature, ValueError):
        return False
    return True


def b64(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4), as text."""
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(text: str) -> bytes:
    """Decode standard padded base64, strictly: one accepted spelling per byte string.

    ``ValueError`` for anything else: other alphabets, missing padding, whitespace, non-zero
    trailing bits (so that a signature or key has exactly one text form).
    """
    if not isinstance(text, str):
        raise ValueError("base64 text must be a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"not standard base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not the canonical base64 spelling")
    return raw


def fingerprint(public_raw: bytes, *, full: bool = False) -> str:
    """sha256 of the raw public key in lower-case hex: the first 16 characters for display, or all 64."""
    digest = hashlib.sha256(_raw(public_raw, KEY_SIZE, "public key")).hexdigest()
    return digest if full else digest[:FINGERPRINT_DISPLAY_CHARS]
