"""Read-model tables of the supervisors' dashboard, filled when a record is stored (index.py).

They are derived data: every row can be rebuilt from the stored records (``index.catch_up``) and
the enterprise registry. Dates are China-time calendar dates as ``YYYY-MM-DD`` text, with year and
month kept as integers for cheap grouping.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class DashEnterprise(Base):
    """One row per enterprise seen in a record or in the registry (一企一档 index)."""

    __tablename__ = "dash_enterprises"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(64), default="")
    industry: Mapped[str] = mapped_column(Text, default="")
    township: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[bool] = mapped_column(Boolean, default=False, index=True)   # 两重点一重大
    key_reasons: Mapped[str] = mapped_column(Text, default="")
    in_registry: Mapped[bool] = mapped_column(Boolean, default=False)
    registry_rev: Mapped[int] = mapped_column(Integer, default=0)
    last_record_at: Mapped[str] = mapped_column(String(40), default="")     # started_at of the latest snapshot


class DashInspection(Base):
    """One row per stored record; ``superseded_by`` is set when a later record amends it."""

    __tablename__ = "dash_inspections"
    __table_args__ = (Index("ix_dash_inspections_year_month", "year", "month"),
                      Index("ix_dash_inspections_enterprise_year", "enterprise_code", "year"))
    record_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    device: Mapped[int] = mapped_column(Integer, index=True)
    inspection_id: Mapped[str] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(String(64), index=True)               # first record of the amendment chain
    amends: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    superseded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enterprise_code: Mapped[str] = mapped_column(String(32), index=True)
    enterprise_name: Mapped[str] = mapped_column(Text)
    enterprise_kind: Mapped[str] = mapped_column(String(64))
    township: Mapped[str] = mapped_column(String(200))
    key: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[str] = mapped_column(String(40))
    inspection_date: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[str] = mapped_column(String(40))
    late: Mapped[bool] = mapped_column(Boolean)                             # entered > 1 month after the check
    findings: Mapped[int] = mapped_column(Integer)
    major: Mapped[int] = mapped_column(Integer)
    reviews: Mapped[int] = mapped_column(Integer)                           # 整改复查 entries
    inspectors: Mapped[str] = mapped_column(Text)                           # "张三（ZJ-1）、李四（ZJ-2）"


class DashInspectionInspector(Base):
    __tablename__ = "dash_inspection_inspectors"
    record_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    cert: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)


class DashFinding(Base):
    """One row per finding of a stored record; ``active`` is false once the record is amended."""

    __tablename__ = "dash_findings"
    __table_args__ = (
        UniqueConstraint("record_hash", "finding_id"),
        Index("ix_dash_findings_year_month", "active", "year", "month", "grade", "late"),
        Index("ix_dash_findings_root", "root", "finding_id"),
        Index("ix_dash_findings_enterprise_item", "enterprise_code", "item"),
        Index("ix_dash_findings_deadline", "active", "deadline", "closed_date"),
        Index("ix_dash_findings_repeat", "active", "repeat_seen", "repeat_offence", "enterprise_code"),
        Index("ix_dash_findings_closed", "active", "closed_year", "closed_month"),
        Index("ix_dash_findings_open", "active", "closed_date", "deadline"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(String(64))
    finding_id: Mapped[str] = mapped_column(String(200))
    enterprise_code: Mapped[str] = mapped_column(String(32))
    enterprise_name: Mapped[str] = mapped_column(Text)
    township: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(String(200))
    matter: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    grade: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[str | None] = mapped_column(String(10), nullable=True)
    repeat_offence: Mapped[bool] = mapped_column(Boolean)                   # flagged by the inspectors
    repeat_seen: Mapped[bool] = mapped_column(Boolean, default=False)       # same item at this enterprise in another inspection
    self_reported: Mapped[bool] = mapped_column(Boolean)
    found_date: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[str] = mapped_column(String(40))
    late: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    closed_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    closed_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DashReview(Base):
    """A 整改复查 entry of a record: finding ``finding_id`` of the chain ``root`` rectified or not."""

    __tablename__ = "dash_reviews"
    __table_args__ = (Index("ix_dash_reviews_target", "root", "finding_id"),)
    review_record: Mapped[str] = mapped_column(String(64), primary_key=True)
    root: Mapped[str] = mapped_column(String(64), primary_key=True)
    finding_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    target_record: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    review_date: Mapped[str] = mapped_column(String(10))
