"""整改复查: a later inspection records whether the findings of an earlier signed record were
rectified. A finding is open until such a review says "rectified"."""
from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from inspector_app.domain.messages import InspectorError, define

from . import inspections, models
from .clock import now_iso

RESULTS = ("rectified", "not-rectified")
BAD_RESULT = define(
    "review.bad_result",
    "复查结论 {result} 无效，可选：rectified（已整改）、not-rectified（未整改）",
    "Invalid review result {result}; choose rectified or not-rectified",
)
NOT_REVIEWABLE = define(
    "review.not_reviewable",
    "隐患 {finding} 不能在本次检查中复查：{reason}",
    "Finding {finding} cannot be reviewed in this inspection: {reason}",
)


def review(session: Session, inspection_id: str, finding_id: str, result: str, note: str = "") -> models.Review:
    if result not in RESULTS:
        raise InspectorError(BAD_RESULT, exit_code=2, result=result)
    inspection = inspections.editable_row(session, inspection_id)
    finding = session.get(models.Finding, finding_id)
    if finding is None:
        matches = session.scalars(select(models.Finding).where(models.Finding.id.like(finding_id + "%")).limit(2)).all()
        finding = matches[0] if len(matches) == 1 and len(finding_id) >= 6 else None
    if finding is None:
        raise InspectorError(NOT_REVIEWABLE, exit_code=2, finding=finding_id, reason="未找到该隐患")
    earlier = session.get(models.Inspection, finding.inspection_id)
    if earlier.enterprise_code != inspection.enterprise_code:
        raise InspectorError(NOT_REVIEWABLE, exit_code=2, finding=finding_id, reason="不是本企业的隐患")
    if earlier.status != "signed" or not earlier.record_hash:
        raise InspectorError(NOT_REVIEWABLE, exit_code=1, finding=finding_id, reason="所在检查尚未签名")
    row = session.get(models.Review, (inspection.id, finding.id))
    if row is None:
        row = models.Review(inspection_id=inspection.id, finding_id=finding.id, record_hash=earlier.record_hash,
                            result=result, note=note, created_at=now_iso())
        session.add(row)
    else:
        row.result, row.note = result, note
    inspection.updated_at = now_iso()
    return row


def of_inspection(session: Session, inspection_id: str) -> list[models.Review]:
    # In the order they were made: rowid, since two reviews can share a created_at second.
    return list(session.scalars(select(models.Review).where(models.Review.inspection_id == inspection_id)
                                .order_by(text("reviews.rowid"))))


def open_findings(session: Session, enterprise_code: str | None = None) -> list[models.Finding]:
    """Findings of signed records not yet reviewed as rectified by a signed later inspection."""
    closed = (select(models.Review.finding_id)
              .join(models.Inspection, models.Inspection.id == models.Review.inspection_id)
              .where(models.Review.result == "rectified", models.Inspection.status == "signed"))
    query = (select(models.Finding).join(models.Inspection, models.Inspection.id == models.Finding.inspection_id)
             .where(models.Inspection.status == "signed", models.Finding.id.not_in(closed))
             .order_by(models.Finding.deadline))
    if enterprise_code:
        query = query.where(models.Finding.enterprise_code == enterprise_code)
    return list(session.scalars(query))
