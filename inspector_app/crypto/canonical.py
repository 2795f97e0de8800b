"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the one serializer of signed bytes.

Everything that is hashed or signed (records, audit entries) goes through ``canonical_bytes``, which
delegates to the ``rfc8785`` package so the whole project has exactly one implementation.
``is_canonical`` answers whether some bytes are already the canonical form of the JSON they encode,
which is how a verifier refuses a record that was re-serialized after signing.
"""
from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["CanonicalizationError", "canonical_bytes", "is_canonical", "loads_strict"]

CanonicalizationError = rfc8785.CanonicalizationError


def canonical_bytes(obj: Any) -> bytes:
    """The RFC 8785 serialization of ``obj`` (UTF-8, no whitespace, keys sorted by UTF-16 units).

    Raises ``CanonicalizationError`` (a ``ValueError``) for values JSON cannot carry exactly:
    NaN, infinities, integers beyond ±(2**53 - 1), lone surrogates, non-string keys.
    """
    return rfc8785.dumps(obj)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_strict(data: bytes) -> Any:
    """Parse UTF-8 JSON, refusing what a lenient parser lets through.

    Refused with ``ValueError``: bytes that are not UTF-8 (including a byte-order mark), duplicate
    object keys, and the non-JSON constants NaN / Infinity / -Infinity.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("loads_strict takes bytes")
    text = bytes(data).decode("utf-8")  # strict: UnicodeDecodeError is a ValueError
    if text.startswith("\ufeff"):
        raise ValueError("byte-order mark before JSON")
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is exactly the RFC 8785 form of the JSON value it encodes."""
    try:
        value = loads_strict(data)
        return canonical_bytes(value) == bytes(data)
    except (ValueError, TypeError, RecursionError):
        return False
