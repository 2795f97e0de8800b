from __future__ import annotations

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class StoredRecord(Base):
    """A signed record, stored once under its hash; ``seq`` is the receipt's sequence number."""

    __tablename__ = "records"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    signatures: Mapped[list] = mapped_column(JSON)
    signatures_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | complete
    receipt: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    receipt_signature: Mapped[str | None] = mapped_column(String(100), nullable=True)
    received_at: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    inspection_id: Mapped[str] = mapped_column(String(64), index=True)
    enterprise_code: Mapped[str] = mapped_column(String(32), index=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    audit_hash: Mapped[str] = mapped_column(String(64))


class RecordEvidence(Base):
    """The evidence a record lists (by sha256), whether or not the blob has arrived yet."""

    __tablename__ = "record_evidence"
    record_hash: Mapped[str] = mapped_column(ForeignKey("records.hash"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
