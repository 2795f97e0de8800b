"""Inspections, their items and findings in the store. Each function runs inside the caller's
transaction (Store.write() or Store.read()); none commits on its own."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspector_app.domain import inspection as rules
from inspector_app.domain.messages import InspectorError, define
from inspector_app.domain.selection import select_items

from . import enterprises, models
from .clock import now_iso

UNKNOWN_INSPECTION = define(
    "inspection.unknown",
    "未找到检查 {inspection}",
    "No inspection {inspection}",
)
UNKNOWN_ITEM = define(
    "inspection.unknown_item",
    "检查 {inspection} 的检查范围中没有检查项 {item}",
    "Inspection {inspection} has no item {item} in scope",
)
UNKNOWN_OFFICER = define(
    "officer.unknown",
    "未找到执法证号为 {cert} 的执法人员",
    "No officer with certificate number {cert}",
)
NO_ITEMS = define(
    "inspection.no_items",
    "所选检查目录中没有适用于该企业（{kind}）的检查项",
    "No item of the chosen catalogues applies to this enterprise ({kind})",
)


def get_row(session: Session, inspection_id: str) -> models.Inspection:
    row = session.get(models.Inspection, inspection_id)
    if row is None:
        # Accept a unique prefix, as people type the first characters of an id.
        matches = session.scalars(
            select(models.Inspection).where(models.Inspection.id.like(inspection_id + "%")).limit(2)
        ).all()
        if len(matches) != 1 or len(inspection_id) < 4:
            raise InspectorError(UNKNOWN_INSPECTION, exit_code=2, inspection=inspection_id)
        row = matches[0]
    return row


def editable_row(session: Session, inspection_id: str) -> models.Inspection:
    row = get_row(session, inspection_id)
    if row.status == "signed":
        raise InspectorError(rules.ALREADY_SIGNED, exit_code=1, inspection=row.id)
    return row


def require_officers(session: Session, certs: list[str]) -> list[models.Officer]:
    rows = []
    for cert in certs:
        row = session.get(models.Officer, cert)
        if row is None:
            raise InspectorError(UNKNOWN_OFFICER, exit_code=2, cert=cert)
        rows.append(row)
    return rows


def create(
    session: Session,
    *,
    enterprise_code: str,
    inspectors: list[str],
    catalogues: list,
    place: str = "",
    started_at: str | None = None,
    amends: str | None = None,
    amend_reason: str | None = None,
) -> models.Inspection:
    enterprise = enterprises.get(session, enterprise_code)
    rules.check_inspectors(inspectors)
    require_officers(session, inspectors)
    selected = select_items(catalogues, enterprise.profile())
    if not selected:
        raise InspectorError(NO_ITEMS, exit_code=1, kind=enterprise.kind)
    now = now_iso()
    row = models.Inspection(
        id=str(uuid.uuid4()),
        enterprise_code=enterprise.code,
        status="draft",
        inspectors=list(inspectors),
        catalogues=[{"id": c.id, "version": c.version, "title": c.title} for c in catalogues],
        place=place or enterprise.address,
        created_at=now,
        started_at=started_at or now,
        amends=amends,
        amend_reason=amend_reason,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    for position, chosen in enumerate(selected):
        item, catalogue = chosen.item, chosen.catalogue
        session.add(
            models.InspectionItem(
                inspection_id=row.id,
                item_id=item.id,
                position=position,
                catalogue_id=catalogue.id,
                catalogue_version=catalogue.version,
                seq=item.seq,
                section=item.section,
                matter=item.matter,
                content=item.content,
                check_basis=list(item.check_basis),
                enforcement_basis=list(item.effective_enforcement_basis(catalogue)),
                major_hazard=item.major_hazard,
                result="not-checked",
            )
        )
    return row


def item_row(session: Session, inspection: models.Inspection, item_id: str) -> models.InspectionItem:
    row = session.get(models.InspectionItem, (inspection.id, item_id))
    if row is None:
        raise InspectorError(UNKNOWN_ITEM, exit_code=2, inspection=inspection.id, item=item_id)
    return row


def set_result(session: Session, inspection_id: str, item_id: str, result: str) -> models.InspectionItem:
    rules.check_result(result)
    inspection = editable_row(session, inspection_id)
    item = item_row(session, inspection, item_id)
    item.result = result
    inspection.updated_at = now_iso()
    return item


def inspected_on(inspection: models.Inspection) -> date:
    return datetime.fromisoformat(inspection.started_at).date()


def history(session: Session, enterprise_code: str) -> list[rules.PastFinding]:
    rows = session.execute(
        select(models.Finding.id, models.Finding.inspection_id, models.Finding.item_id, models.Inspection.started_at)
        .join(models.Inspection, models.Inspection.id == models.Finding.inspection_id)
        .where(models.Finding.enterprise_code == enterprise_code)
    ).all()
    return [
        rules.PastFinding(fid, iid, item, datetime.fromisoformat(started).date())
        for fid, iid, item, started in rows
    ]


def add_finding(
    session: Session,
    inspection_id: str,
    *,
    item_id: str,
    description: str,
    grade: str,
    location: str = "",
    deadline: str | None = None,
    self_reported: bool = False,
) -> models.Finding:
    rules.check_grade(grade)
    inspection = editable_row(session, inspection_id)
    item = item_row(session, inspection, item_id)
    if item.result == "not-checked":
        item.result = "violation"  # recording a finding is how an officer marks the violation
    if item.result != "violation":
        raise InspectorError(rules.FINDING_NOT_VIOLATION, exit_code=1, item=item_id)
    if deadline is not None:
        rules.parse_deadline(deadline, inspected_on(inspection))
    earlier = [
        p
        for p in rules.repeat_of(item_id, history(session, inspection.enterprise_code), inspection.id)
        if p.inspected_on <= inspected_on(inspection)
    ]
    finding = models.Finding(
        id=str(uuid.uuid4()),
        inspection_id=inspection.id,
        enterprise_code=inspection.enterprise_code,
        item_id=item_id,
        description=description,
        location=location,
        grade=grade,
        deadline=deadline,
        repeat_offence=bool(earlier),
        repeat_of=[p.finding_id for p in earlier],
        self_reported=self_reported,
        created_at=now_iso(),
    )
    session.add(finding)
    inspection.updated_at = now_iso()
    return finding


@dataclass
class InspectionView:
    inspection: models.Inspection
    items: list[models.InspectionItem]
    findings: list[models.Finding]
    evidence: dict[str, list[str]]  # finding id ("" for the inspection itself) -> evidence shas
    reviews: int = 0  # earlier findings this inspection reviews (整改复查)

    def blockers(self) -> list[rules.Blocker]:
        """Why it cannot be signed yet (domain.inspection.Blocker: code and params; .text(lang))."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.item_id] = counts.get(f.item_id, 0) + 1
        states = [rules.ItemState(i.item_id, i.result, counts.get(i.item_id, 0)) for i in self.items]
        return rules.sign_blockers(list(self.inspection.inspectors), states, self.inspection.status, self.reviews)


def view(session: Session, inspection_id: str) -> InspectionView:
    inspection = get_row(session, inspection_id)
    items = session.scalars(
        select(models.InspectionItem)
        .where(models.InspectionItem.inspection_id == inspection.id)
        .order_by(models.InspectionItem.position)
    ).all()
    findings = session.scalars(
        select(models.Finding).where(models.Finding.inspection_id == inspection.id).order_by(models.Finding.created_at)
    ).all()
    evidence: dict[str, list[str]] = {}
    for link in session.scalars(select(models.EvidenceLink).where(models.EvidenceLink.inspection_id == inspection.id)):
        evidence.setdefault(link.finding_id, []).append(link.sha256)
    reviewed = session.scalar(select(func.count()).select_from(models.Review)
                              .where(models.Review.inspection_id == inspection.id))
    return InspectionView(inspection, list(items), list(findings), evidence, reviewed)


def list_rows(session: Session, enterprise_code: str | None = None) -> list[models.Inspection]:
    query = select(models.Inspection).order_by(models.Inspection.started_at.desc())
    if enterprise_code:
        query = query.where(models.Inspection.enterprise_code == enterprise_code)
    return list(session.scalars(query))


def finding_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.Finding))


def add_items(session: Session, inspection_id: str, chosen: list) -> list[models.InspectionItem]:
    """Bring into scope items the selection left out: ``chosen`` is [(catalogue, item)], as from
    CatalogueSet.locate. Items already in scope are left as they are."""
    inspection = editable_row(session, inspection_id)
    position = session.scalar(select(func.max(models.InspectionItem.position))
                              .where(models.InspectionItem.inspection_id == inspection.id)) or 0
    added = []
    for catalogue, item in chosen:
        if session.get(models.InspectionItem, (inspection.id, item.id)) is not None:
            continue
        position += 1
        row = models.InspectionItem(
            inspection_id=inspection.id, item_id=item.id, position=position, catalogue_id=catalogue.id,
            catalogue_version=catalogue.version, seq=item.seq, section=item.section, matter=item.matter,
            content=item.content, check_basis=list(item.check_basis),
            enforcement_basis=list(item.effective_enforcement_basis(catalogue)), major_hazard=item.major_hazard,
            result="not-checked")
        session.add(row)
        added.append(row)
        known = {(c["id"], c["version"]) for c in inspection.catalogues}
        if (catalogue.id, catalogue.version) not in known:
            inspection.catalogues = list(inspection.catalogues) + [
                {"id": catalogue.id, "version": catalogue.version, "title": catalogue.title}]
    inspection.updated_at = now_iso()
    return added


def _editable_finding(session: Session, finding_id: str) -> models.Finding:
    from .evidence import UNKNOWN_FINDING

    finding = session.get(models.Finding, finding_id)
    if finding is None:
        raise InspectorError(UNKNOWN_FINDING, exit_code=2, inspection="-", finding=finding_id)
    editable_row(session, finding.inspection_id)
    return finding


def update_finding(session: Session, finding_id: str, *, description: str | None = None, location: str | None = None,
                   grade: str | None = None, deadline: str | None = None, clear_deadline: bool = False,
                   self_reported: bool | None = None) -> models.Finding:
    finding = _editable_finding(session, finding_id)
    inspection = session.get(models.Inspection, finding.inspection_id)
    if grade is not None:
        finding.grade = rules.check_grade(grade)
    if deadline is not None:
        rules.parse_deadline(deadline, inspected_on(inspection))
        finding.deadline = deadline
    elif clear_deadline:
        finding.deadline = None
    if description is not None:
        finding.description = description
    if location is not None:
        finding.location = location
    if self_reported is not None:
        finding.self_reported = self_reported
    inspection.updated_at = now_iso()
    return finding


def remove_finding(session: Session, finding_id: str) -> str:
    """Remove a draft's finding and its evidence links (the evidence stays in the vault)."""
    finding = _editable_finding(session, finding_id)
    for link in session.scalars(select(models.EvidenceLink).where(models.EvidenceLink.finding_id == finding.id)):
        session.delete(link)
    inspection_id = finding.inspection_id
    session.delete(finding)
    session.get(models.Inspection, inspection_id).updated_at = now_iso()
    return inspection_id


def wordings(session: Session, item_id: str, limit: int = 8) -> list[str]:
    """The library of standard wordings for an item, grown from use: the descriptions officers
    have written for it before, the most used first."""
    rows = session.execute(
        select(models.Finding.description, func.count().label("n"))
        .where(models.Finding.item_id == item_id, models.Finding.description != "")
        .group_by(models.Finding.description)
        .order_by(func.count().desc(), models.Finding.description)
        .limit(limit)).all()
    return [text for text, _ in rows]
