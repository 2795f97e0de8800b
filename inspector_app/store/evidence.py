"""Evidence rows: what the vault holds, its metadata, and what it is attached to."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspector_app.domain.messages import InspectorError, define

from . import inspections, models
from .clock import now_iso

UNKNOWN_EVIDENCE = define(
    "evidence.unknown",
    "未找到证据 {sha}",
    "No evidence {sha}",
)
UNKNOWN_FINDING = define(
    "finding.unknown",
    "检查 {inspection} 中没有隐患 {finding}",
    "Inspection {inspection} has no finding {finding}",
)


def record(session: Session, *, sha256: str, info, captured_by: str | None, original_name: str,
           derived_from: str | None = None, derived_kind: str | None = None, note: str | None = None) -> models.Evidence:
    """Add the row for a vault object; an object already known keeps its first metadata."""
    row = session.get(models.Evidence, sha256)
    if row is not None:
        return row
    row = models.Evidence(
        sha256=sha256, media_type=info.media_type, kind=info.kind, size=info.size,
        captured_at=now_iso(), file_time=info.file_time, duration_s=info.duration_s, gps=info.gps,
        captured_by=captured_by, original_name=original_name, derived_from=derived_from,
        derived_kind=derived_kind, note=note, imported_at=now_iso(),
    )
    session.add(row)
    return row


def get(session: Session, sha: str) -> models.Evidence:
    sha = sha.strip().lower()
    row = session.get(models.Evidence, sha)
    if row is None and len(sha) >= 8:
        matches = session.scalars(select(models.Evidence).where(models.Evidence.sha256.like(sha + "%")).limit(2)).all()
        row = matches[0] if len(matches) == 1 else None
    if row is None:
        raise InspectorError(UNKNOWN_EVIDENCE, exit_code=2, sha=sha)
    return row


def attach(session: Session, sha: str, inspection_id: str, finding_id: str | None = None) -> models.EvidenceLink:
    evidence = get(session, sha)
    inspection = inspections.editable_row(session, inspection_id)
    if finding_id:
        finding = session.get(models.Finding, finding_id)
        if finding is None or finding.inspection_id != inspection.id:
            raise InspectorError(UNKNOWN_FINDING, exit_code=2, inspection=inspection.id, finding=finding_id)
    key = (evidence.sha256, inspection.id, finding_id or "")
    link = session.get(models.EvidenceLink, key)
    if link is None:
        link = models.EvidenceLink(sha256=evidence.sha256, inspection_id=inspection.id, finding_id=finding_id or "")
        session.add(link)
    return link


def unassigned(session: Session) -> list[models.Evidence]:
    """Originals attached to nothing yet, e.g. quick recordings from an unannounced visit."""
    linked = select(models.EvidenceLink.sha256)
    return list(session.scalars(
        select(models.Evidence)
        .where(models.Evidence.sha256.not_in(linked), models.Evidence.derived_from.is_(None))
        .order_by(models.Evidence.imported_at.desc())
    ))


def all_rows(session: Session) -> list[models.Evidence]:
    return list(session.scalars(select(models.Evidence).order_by(models.Evidence.imported_at.desc())))
