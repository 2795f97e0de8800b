from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cert: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=200, description="base64 of the 64-byte Ed25519 signature")


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: str = Field(min_length=1, description="standard base64 of the record's exact canonical (RFC 8785) bytes")
    signatures: list[SignatureIn] = Field(min_length=1, max_length=16)


class Receipt(BaseModel):
    format: str
    record: str
    device: str
    seq: int
    server_time: str
    audit_head: dict[str, Any]


class PushResponse(BaseModel):
    hash: str
    status: str = Field(description="complete, or pending while evidence is missing")
    missing: list[str]
    receipt: Receipt
    signature: str
    server_key: str


class RecordOut(PushResponse):
    record: str
    signatures: list[SignatureIn]
    received_at: str
