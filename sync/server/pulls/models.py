from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class PublishedCatalogue(Base):
    __tablename__ = "catalogues"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    toml: Mapped[str] = mapped_column(Text)
    published_at: Mapped[str] = mapped_column(String(40))


class EnterpriseVersion(Base):
    """Each change to the registry is a new row; ``rev`` is the pull cursor."""

    __tablename__ = "enterprise_versions"
    rev: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(40))


class NumberBlock(Base):
    """A block of document numbers [start, end] of one prefix and year, given to one device."""

    __tablename__ = "number_blocks"
    __table_args__ = (UniqueConstraint("prefix", "year", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    allocated_at: Mapped[str] = mapped_column(String(40))


class Assignment(Base):
    """An inspection task for a pair of inspectors."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_code: Mapped[str] = mapped_column(String(32))
    inspectors: Mapped[list] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[str | None] = mapped_column(String(10), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(40))
