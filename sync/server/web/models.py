"""Tables of the web pages' own state: county settings, document numbers entered for records,
background jobs (blob re-verification), and revoked inspector keys kept for the record."""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class WebSetting(Base):
    __tablename__ = "web_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(100))


class DocumentNumber(Base):
    """A document number known for a record (entered when a county officer re-prints it)."""

    __tablename__ = "web_document_numbers"
    record_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(100), primary_key=True)
    entered_at: Mapped[str] = mapped_column(String(40))
    entered_by: Mapped[str] = mapped_column(String(100))


class Job(Base):
    """A background job started from a page (re-verifying the blob store): progress and result."""

    __tablename__ = "web_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))            # running | done | failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    started_by: Mapped[str] = mapped_column(String(100))


class RevokedInspectorKey(Base):
    """A key taken out of inspector_keys when its inspector was revoked (pushes signed with it are
    then refused as unknown keys); kept here so the history stays readable."""

    __tablename__ = "web_revoked_inspector_keys"
    public_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cert: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[str] = mapped_column(String(40))
    revoked_by: Mapped[str] = mapped_column(String(100))
