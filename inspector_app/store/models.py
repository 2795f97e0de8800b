"""SQLAlchemy models of the device store. The schema itself is owned by the Alembic migrations in
store/migrations; these classes map it and must agree with the latest revision (a test checks)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class Enterprise(Base):
    __tablename__ = "enterprises"
    # rowid alias: sqlite-utils' FTS index (enterprises_fts) is keyed by it.
    rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String)
    industry: Mapped[str] = mapped_column(Text, default="")
    township: Mapped[str] = mapped_column(Text, default="")
    legal_representative: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(Text, default="")
    licences: Mapped[list] = mapped_column(JSON, default=list)
    major_hazard_sources: Mapped[list] = mapped_column(JSON, default=list)
    key_processes: Mapped[list] = mapped_column(JSON, default=list)
    key_chemicals: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[str] = mapped_column(String)


class Officer(Base):
    __tablename__ = "officers"
    cert: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String)  # base64 raw 32 bytes, the current key
    keyslot: Mapped[dict] = mapped_column(JSON)  # passphrase-protected vault key + private key
    created_at: Mapped[str] = mapped_column(String)


class OfficerKey(Base):
    """Every public key an officer has had, so records signed before a rotation stay verifiable."""

    __tablename__ = "officer_keys"
    public_key: Mapped[str] = mapped_column(String, primary_key=True)
    cert: Mapped[str] = mapped_column(ForeignKey("officers.cert"))
    created_at: Mapped[str] = mapped_column(String)
    retired_at: Mapped[str | None] = mapped_column(String, nullable=True)


class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(ForeignKey("enterprises.code"))
    status: Mapped[str] = mapped_column(String, default="draft")  # draft | signed
    inspectors: Mapped[list] = mapped_column(JSON)  # certificate numbers, in order
    catalogues: Mapped[list] = mapped_column(JSON)  # [{"id", "version", "title"}]
    place: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String)
    started_at: Mapped[str] = mapped_column(String)
    ended_at: Mapped[str | None] = mapped_column(String, nullable=True)
    amends: Mapped[str | None] = mapped_column(String, nullable=True)  # record hash
    amend_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_hash: Mapped[str | None] = mapped_column(String, nullable=True)
    quiz: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[str] = mapped_column(String)


class InspectionItem(Base):
    """An item in an inspection's scope, with the catalogue text copied so the record never
    depends on a catalogue file that a later import may replace."""

    __tablename__ = "inspection_items"
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    catalogue_id: Mapped[str] = mapped_column(String)
    catalogue_version: Mapped[str] = mapped_column(String)
    seq: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(Text, default="")
    matter: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    check_basis: Mapped[list] = mapped_column(JSON)
    enforcement_basis: Mapped[list] = mapped_column(JSON)
    major_hazard: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(String, default="not-checked")


class Finding(Base):
    __tablename__ = "findings"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    enterprise_code: Mapped[str] = mapped_column(String, index=True)
    item_id: Mapped[str] = mapped_column(String, index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str] = mapped_column(String)  # general | major
    deadline: Mapped[str | None] = mapped_column(String, nullable=True)
    repeat_offence: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_of: Mapped[list] = mapped_column(JSON, default=list)  # earlier finding ids
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String)


class Evidence(Base):
    __tablename__ = "evidence"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)  # photo | video | audio
    size: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[str] = mapped_column(String)  # device clock at import or capture
    file_time: Mapped[str | None] = mapped_column(String, nullable=True)  # the file's own metadata
    duration_s: Mapped[str | None] = mapped_column(String, nullable=True)
    gps: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    captured_by: Mapped[str | None] = mapped_column(String, nullable=True)  # officer cert
    original_name: Mapped[str] = mapped_column(Text, default="")
    derived_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
    derived_kind: Mapped[str | None] = mapped_column(String, nullable=True)  # thumbnail | annotated
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # e.g. the codec used to record
    imported_at: Mapped[str] = mapped_column(String)


class EvidenceLink(Base):
    """Evidence attached to an inspection and optionally one of its findings (many-to-many)."""

    __tablename__ = "evidence_links"
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence.sha256"), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    finding_id: Mapped[str] = mapped_column(String, primary_key=True, default="")


class Record(Base):
    """A signed record: its canonical bytes and signatures. Immutable (triggers refuse changes)."""

    __tablename__ = "records"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    signatures: Mapped[list] = mapped_column(JSON)
    amends: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[str] = mapped_column(String)


class AuditEntry(Base):
    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry: Mapped[dict] = mapped_column(JSON)  # exactly what was hashed
    hash: Mapped[str] = mapped_column(String(64))


class NumberBlock(Base):
    __tablename__ = "number_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String)
    year: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String)  # local | server
    created_at: Mapped[str] = mapped_column(String)


class IssuedNumber(Base):
    """A document number once issued is never issued again (unique key)."""

    __tablename__ = "issued_numbers"
    prefix: Mapped[str] = mapped_column(String, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String)
    issued_at: Mapped[str] = mapped_column(String)


class Review(Base):
    """A re-inspection's verdict on a finding of an earlier signed record (整改复查)."""

    __tablename__ = "reviews"
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    finding_id: Mapped[str] = mapped_column(String, primary_key=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String)  # rectified | not-rectified
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String)
