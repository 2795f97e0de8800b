from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, description="the one-time code from `admin enrol-device`")
    name: str = Field(min_length=1, max_length=200, description="the laptop's own name (host name), for the admin's list")
    public_key: str = Field(min_length=1, max_length=64, description="the device's Ed25519 public key, base64 of 32 raw bytes")
    device_id: str | None = Field(default=None, min_length=1, max_length=200,
                                  description="the id the device's records carry (its store's device_id); "
                                              "the server makes one when absent")


class EnrolResponse(BaseModel):
    token: str
    device_id: str
    device_name: str
    server_public_key: str
    server_time: str
    api: str


class ServerKey(BaseModel):
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 key that signs receipts")
    algorithm: str = "Ed25519"
    fingerprint: str
