"""ORM classes of the sync tables (device-store migration 0002). They use the store's declarative
Base so that the store's metadata describes the whole device schema once this module is imported."""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inspector_app.store.models import Base


class SyncConfig(Base):
    __tablename__ = "sync_config"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class SyncItem(Base):
    __tablename__ = "sync_items"
    kind: Mapped[str] = mapped_column(String, primary_key=True)  # record | evidence
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String, index=True)  # pending | uploading | synced | failed
    reason: Mapped[str | None] = mapped_column(String, nullable=True)
    detail: Mapped[object | None] = mapped_column(JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    order_seq: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    upload_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    server_status: Mapped[str | None] = mapped_column(String, nullable=True)
    missing: Mapped[list | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[str] = mapped_column(String)
    updated_at: Mapped[str] = mapped_column(String)
    synced_at: Mapped[str | None] = mapped_column(String, nullable=True)


class SyncReceipt(Base):
    __tablename__ = "sync_receipts"
    record_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    receipt: Mapped[dict] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String)
    server_key: Mapped[str] = mapped_column(String)
    received_at: Mapped[str] = mapped_column(String)
