"""Wire formats shared by the client and the server: paths, tus headers, the signed receipt.

Pure Python over ``inspector_app.crypto`` (no Qt, no ORM), so a verifier can check a receipt
with nothing but this module.

Receipt
-------
The server answers every stored record with a receipt: the JSON object ::

    {"format": "inspector.receipt/1", "record": <record hash>, "device": <device id>,
     "seq": <server sequence number>, "server_time": <ISO 8601 UTC>,
     "audit_head": {"device": …, "seq": …, "hash": …}}

signed by the server's Ed25519 key over its RFC 8785 canonical bytes. On the wire it travels as
``{"receipt": {…}, "signature": base64, "server_key": base64}``. ``audit_head`` is the record's
own audit head, which the server thereby countersigns.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Mapping

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import canonical_bytes

API = "/api/v1"
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "checksum", "termination", "expiration")
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
RECEIPT_FORMAT = "inspector.receipt/1"
EVIDENCE_STORED_HEADER = "Inspector-Evidence"  # "stored": creation found the blob already on the server
UPLOAD_CONTENT_TYPE = "application/offset+octet-stream"
PROBLEM_CONTENT_TYPE = "application/problem+json"

SHA256_RE = re.compile(r"[0-9a-f]{64}")


def is_sha256(text: Any) -> bool:
    return isinstance(text, str) and SHA256_RE.fullmatch(text) is not None


def receipt_bytes(receipt: Mapping[str, Any]) -> bytes:
    return canonical_bytes(dict(receipt))


def make_receipt(*, record: str, device: str, seq: int, server_time: str, audit_head: Mapping[str, Any]) -> dict:
    return {"format": RECEIPT_FORMAT, "record": record, "device": device, "seq": seq,
            "server_time": server_time, "audit_head": dict(audit_head)}


def sign_receipt(private_raw: bytes, receipt: Mapping[str, Any]) -> str:
    return signing.b64(signing.sign(private_raw, receipt_bytes(receipt)))


def receipt_problems(signed: Any, server_key_b64: str, *, record: str | None = None,
                     device: str | None = None) -> list[str]:
    """What is wrong with a signed receipt ``{"receipt", "signature"}`` (empty = valid).

    The signature must verify under ``server_key_b64`` (the key pinned at enrolment), and when
    given, the receipt must name ``record`` and ``device``.
    """
    if not isinstance(signed, Mapping):
        return ["not an object"]
    receipt, signature = signed.get("receipt"), signed.get("signature")
    if not isinstance(receipt, Mapping) or not isinstance(signature, str):
        return ["receipt or signature missing"]
    problems = []
    if receipt.get("format") != RECEIPT_FORMAT:
        problems.append(f"unknown format {receipt.get('format')!r}")
    try:
        key = signing.unb64(server_key_b64)
        sig = signing.unb64(signature)
        data = receipt_bytes(receipt)
    except (ValueError, TypeError) as exc:
        return problems + [f"unreadable: {exc}"]
    if not signing.verify(key, sig, data):
        problems.append("signature does not verify under the pinned server key")
    if record is not None and receipt.get("record") != record:
        problems.append(f"receipt names record {receipt.get('record')!r}, not {record}")
    if device is not None and receipt.get("device") != device:
        problems.append(f"receipt names device {receipt.get('device')!r}, not {device}")
    if not isinstance(receipt.get("seq"), int):
        problems.append("seq is not an integer")
    return problems


# --- tus Upload-Metadata: "key base64value,key2 base64value2" -----------------------------------
def encode_metadata(values: Mapping[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode('utf-8')).decode('ascii')}" if v != "" else k
                    for k, v in values.items())


def decode_metadata(header: str) -> dict[str, str]:
    """Parse Upload-Metadata; ``ValueError`` for anything malformed."""
    result: dict[str, str] = {}
    if not header.strip():
        return result
    for part in header.split(","):
        pieces = part.strip().split(" ")
        if len(pieces) not in (1, 2) or not pieces[0] or pieces[0] in result:
            raise ValueError("malformed Upload-Metadata pair")
        if not re.fullmatch(r"[!-~]+", pieces[0]):
            raise ValueError("malformed Upload-Metadata key")
        if len(pieces) == 1:
            result[pieces[0]] = ""
            continue
        try:
            result[pieces[0]] = base64.b64decode(pieces[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"Upload-Metadata value of {pieces[0]} is not base64 UTF-8") from exc
    return result


def parse_checksum(header: str) -> tuple[str, bytes]:
    """``Upload-Checksum: <algorithm> <base64 digest>`` → (algorithm, digest); ``ValueError``."""
    pieces = header.strip().split(" ")
    if len(pieces) != 2:
        raise ValueError("Upload-Checksum must be '<algorithm> <base64 digest>'")
    try:
        digest = base64.b64decode(pieces[1], validate=True)
    except binascii.Error as exc:
        raise ValueError("Upload-Checksum digest is not base64") from exc
    return pieces[0].lower(), digest
