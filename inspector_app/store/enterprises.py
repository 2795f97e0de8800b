"""The enterprise registry (一企一档) in the store."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.domain.enterprise import Enterprise, MajorHazardSource, validate_kind, validate_uscc
from inspector_app.domain.messages import InspectorError, define

from . import models
from .clock import now_iso
from .search import search_enterprises

UNKNOWN_ENTERPRISE = define(
    "enterprise.unknown",
    "未找到统一社会信用代码为 {code} 的企业",
    "No enterprise with unified social credit code {code}",
)
DUPLICATE_ENTERPRISE = define(
    "enterprise.duplicate",
    "统一社会信用代码 {code} 已登记为“{name}”",
    "Unified social credit code {code} is already registered as {name}",
)


def to_domain(row: models.Enterprise) -> Enterprise:
    return Enterprise(
        code=row.code,
        name=row.name,
        address=row.address,
        kind=row.kind,
        industry=row.industry,
        township=row.township,
        legal_representative=row.legal_representative,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        licences=list(row.licences or []),
        major_hazard_sources=[MajorHazardSource(**m) for m in row.major_hazard_sources or []],
        key_processes=list(row.key_processes or []),
        key_chemicals=list(row.key_chemicals or []),
    )


def add(session: Session, enterprise: Enterprise, *, replace: bool = False) -> Enterprise:
    code = validate_uscc(enterprise.code)
    validate_kind(enterprise.kind)
    row = session.scalar(select(models.Enterprise).where(models.Enterprise.code == code))
    if row is not None and not replace:
        raise InspectorError(DUPLICATE_ENTERPRISE, exit_code=1, code=code, name=row.name)
    if row is None:
        row = models.Enterprise(code=code)
        session.add(row)
    values = asdict(enterprise)
    values["code"] = code
    values["major_hazard_sources"] = [asdict(m) for m in enterprise.major_hazard_sources]
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now_iso()
    return to_domain(row)


def get(session: Session, code: str) -> Enterprise:
    normal = code.strip().upper()
    row = session.scalar(select(models.Enterprise).where(models.Enterprise.code == normal))
    if row is None:
        raise InspectorError(UNKNOWN_ENTERPRISE, exit_code=2, code=code)
    return to_domain(row)


def search(session: Session, query: str, limit: int = 50) -> list[Enterprise]:
    codes = search_enterprises(session, query, limit)
    if not codes:
        return []
    rows = session.scalars(select(models.Enterprise).where(models.Enterprise.code.in_(codes))).all()
    by_code = {r.code: r for r in rows}
    return [to_domain(by_code[c]) for c in codes]


def count(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(models.Enterprise))
