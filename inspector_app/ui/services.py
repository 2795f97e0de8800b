"""What the app asks of the core, as plain functions: the app's counterpart of inspector_app/cli/.

No Qt here. Each function opens its own transaction (Store.read() or Store.write(), the one place
where transactions begin and end), calls the store and domain functions the CLI calls, appends the
same audit entries, and returns plain dataclasses, so a widget never holds a database object and
every call can run in a worker (ui/operations.py). Rules live in domain/; this module only
orchestrates, like the CLI's handlers do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from inspector_app.domain import inspection as rules
from inspector_app.domain.messages import InspectorError
from inspector_app.store import enterprises as enterprise_store
from inspector_app.store import evidence as evidence_store
from inspector_app.store import inspections as inspection_store
from inspector_app.store import models
from inspector_app.store import officers as officer_store

# ------------------------------------------------------------------------------------ settings

#: Settings kept in the store's settings table (Workspace.setting / set_setting).
COUNTY_KEYS = ("county_name", "bureau_name", "short_name", "seal_text", "reconsideration_body", "court")
SETTING_KEYS = COUNTY_KEYS + ("server_url", "language", "autolock_minutes")
DEFAULT_AUTOLOCK_MINUTES = 10
DRAFT_PREFIX = "ui.draft:"
LAST_INSPECTION = "ui.last_inspection"


def read_settings(ws) -> dict[str, Any]:
    with ws.store.read() as session:
        return {k: ws.setting(session, k) for k in SETTING_KEYS}


def save_settings(ws, values: dict[str, Any], *, by: str | None) -> None:
    with ws.store.write() as session:
        changed = {}
        for key, value in values.items():
            if key not in SETTING_KEYS:
                raise KeyError(key)
            if ws.setting(session, key) != value:
                ws.set_setting(session, key, value)
                changed[key] = value
        if changed:
            ws.audit(session, "edit", "settings", {"op": "settings", "keys": sorted(changed), "by": by})


def setting(ws, key: str, default=None):
    with ws.store.read() as session:
        return ws.setting(session, key, default)


def set_ui_setting(ws, key: str, value) -> None:
    """UI state that is not an action (the last open inspection): no audit entry."""
    with ws.store.write() as session:
        ws.set_setting(session, key, value)


def county_settings(ws):
    from inspector_app.store import documents as document_store

    with ws.store.read() as session:
        return document_store.county_settings(ws, session)


# ------------------------------------------------------------------------------------ officers


@dataclass(frozen=True)
class OfficerInfo:
    cert: str
    name: str


def officers_list(ws) -> list[OfficerInfo]:
    with ws.store.read() as session:
        return [OfficerInfo(r.cert, r.name) for r in officer_store.all_rows(session)]


def unlock(ws, cert: str, passphrase: str):
    """officers.unlock: an Unlocked, or the key slot's error (wrong passphrase) as InspectorError."""
    with ws.store.read() as session:
        return officer_store.unlock(session, cert, passphrase)


def load_demo(ws, passphrase: str = "demo", count: int = 48) -> None:
    """What `inspector demo` does: the fictional county and its two demo officers."""
    from inspector_app.store.demo import load_demo as load

    load(ws, passphrase, count)


from inspector_app.demo import DEMO_COUNTY  # noqa: E402,F401 - re-exported: the fictional county


# ------------------------------------------------------------------------------------ home


@dataclass(frozen=True)
class DraftRow:
    id: str
    enterprise_code: str
    enterprise_name: str
    started_at: str
    checked: int
    total: int
    findings: int
    entry_overdue: bool  # more than a month since the check and still a draft


@dataclass(frozen=True)
class DeadlineRow:
    finding_id: str
    inspection_id: str
    enterprise_name: str
    item_id: str
    description: str
    grade: str
    deadline: date
    status: str  # overdue | due-soon
    days_left: int
    entered_late: bool  # entered more than a month after the check


@dataclass(frozen=True)
class EvidenceRow:
    sha256: str
    kind: str
    media_type: str
    size: int
    captured_at: str
    original_name: str
    note: str | None
    duration_s: str | None
    captured_by: str | None
    derived_from: str | None = None  # an annotated copy: the original it was drawn on
    derived_kind: str | None = None  # annotated (thumbnails are never listed)


@dataclass
class HomeSummary:
    drafts: list[DraftRow]
    deadlines: list[DeadlineRow]
    unassigned: list[EvidenceRow]
    deadlines_total: int
    plan: list["PlanRow"] = field(default_factory=list)


@dataclass(frozen=True)
class PlanRow:
    """An inspection task the county assigned to this device's officers (pulled at sync), not yet
    done: no inspection of the enterprise signed since the task was made."""

    enterprise_code: str
    enterprise_name: str
    title: str
    due: str | None
    inspectors: tuple[str, ...]


def plan_rows(ws, session) -> list[PlanRow]:
    from sync.client.models import SyncConfig

    row = session.get(SyncConfig, "assignments")
    rows = []
    for task in (row.value if row is not None else None) or []:
        code = task.get("enterprise", "")
        done = session.scalar(select(func.count()).select_from(models.Inspection).where(
            models.Inspection.enterprise_code == code, models.Inspection.status == "signed",
            models.Inspection.started_at >= (task.get("created_at") or "")[:10]))
        if done:
            continue
        name = session.scalar(select(models.Enterprise.name).where(models.Enterprise.code == code)) or code
        rows.append(PlanRow(code, name, task.get("title") or "", task.get("due"), tuple(task.get("inspectors") or ())))
    return sorted(rows, key=lambda r: (r.due or "9999", r.enterprise_name))


def _evidence_row(r: models.Evidence) -> EvidenceRow:
    return EvidenceRow(r.sha256, r.kind, r.media_type, r.size, r.captured_at, r.original_name or "", r.note,
                       r.duration_s, r.captured_by, r.derived_from, r.derived_kind)


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


def home_summary(ws, today: date, *, soon_days: int = 7, limit: int = 200) -> HomeSummary:
    with ws.store.read() as session:
        plan = plan_rows(ws, session)
        drafts = []
        draft_rows = session.execute(
            select(models.Inspection.id, models.Inspection.enterprise_code, models.Enterprise.name,
                   models.Inspection.started_at)
            .join(models.Enterprise, models.Enterprise.code == models.Inspection.enterprise_code)
            .where(models.Inspection.status == "draft")
            .order_by(models.Inspection.updated_at.desc()).limit(limit)).all()
        for iid, code, name, started in draft_rows:
            total, checked = session.execute(
                select(func.count(), func.sum(models.InspectionItem.result != "not-checked"))
                .where(models.InspectionItem.inspection_id == iid)).one()
            n_findings = session.scalar(select(func.count()).select_from(models.Finding)
                                        .where(models.Finding.inspection_id == iid))
            drafts.append(DraftRow(iid, code, name, started, int(checked or 0), int(total or 0), int(n_findings or 0),
                                   rules.entry_overdue(_day(started), today)))
        horizon = (today + timedelta(days=soon_days)).isoformat()
        # Open hazards as store/reviews.py defines them (findings of signed records not reviewed
        # as rectified by a signed later inspection), limited to those due by the horizon.
        rectified = (select(models.Review.finding_id)
                     .join(models.Inspection, models.Inspection.id == models.Review.inspection_id)
                     .where(models.Review.result == "rectified", models.Inspection.status == "signed"))
        due_query = (
            select(models.Finding.id, models.Finding.inspection_id, models.Enterprise.name, models.Finding.item_id,
                   models.Finding.description, models.Finding.grade, models.Finding.deadline,
                   models.Finding.created_at, models.Inspection.started_at)
            .join(models.Inspection, models.Inspection.id == models.Finding.inspection_id)
            .join(models.Enterprise, models.Enterprise.code == models.Finding.enterprise_code)
            .where(models.Inspection.status == "signed", models.Finding.id.not_in(rectified),
                   models.Finding.deadline.is_not(None), models.Finding.deadline <= horizon)
        )
        total_due = session.scalar(select(func.count()).select_from(due_query.subquery()))
        deadlines = []
        for fid, iid, name, item, text, grade, deadline, created, started in session.execute(
                due_query.order_by(models.Finding.deadline).limit(limit)):
            d = date.fromisoformat(deadline)
            state = rules.deadline_state(fid, d, today, soon_days)
            if state.status not in ("overdue", "due-soon"):
                continue
            deadlines.append(DeadlineRow(fid, iid, name, item, text, grade, d, state.status, state.days_left,
                                         rules.entry_overdue(_day(started), _day(created))))
        unassigned = [_evidence_row(r) for r in evidence_store.unassigned(session)[:limit]]
    return HomeSummary(drafts, deadlines, unassigned, int(total_due or 0), plan)


# ------------------------------------------------------------------------------------ enterprises


def enterprise_codes(ws, query: str, cap: int = 100_000) -> list[str]:
    """The codes matching a search, in the store's order. Codes are cheap; a lazy model fetches the
    rows for the codes it shows (enterprise_rows) as the view scrolls."""
    from inspector_app.store.search import search_enterprises

    with ws.store.read() as session:
        return search_enterprises(session, query, cap)


def enterprise_rows(ws, codes: list[str]) -> list:
    if not codes:
        return []
    with ws.store.read() as session:
        rows = session.scalars(select(models.Enterprise).where(models.Enterprise.code.in_(codes))).all()
        by_code = {r.code: enterprise_store.to_domain(r) for r in rows}
    return [by_code[c] for c in codes if c in by_code]


def enterprise_count(ws) -> int:
    with ws.store.read() as session:
        return enterprise_store.count(session)


@dataclass(frozen=True)
class InspectionSummary:
    id: str
    started_at: str
    status: str
    inspectors: list[str]
    record_hash: str | None
    findings: int


@dataclass(frozen=True)
class FindingSummary:
    id: str
    inspection_id: str
    inspected_on: str
    item_id: str
    matter: str
    description: str
    grade: str
    deadline: str | None
    repeat_offence: bool
    self_reported: bool


@dataclass
class EnterpriseFile:
    enterprise: Any  # domain.enterprise.Enterprise
    inspections: list[InspectionSummary]
    findings: list[FindingSummary]

    @property
    def repeat_items(self) -> set[str]:
        """Items found at more than one inspection of this enterprise (屡查屡犯)."""
        seen: dict[str, set[str]] = {}
        for f in self.findings:
            seen.setdefault(f.item_id, set()).add(f.inspection_id)
        return {item for item, ids in seen.items() if len(ids) > 1} | {f.item_id for f in self.findings
                                                                          if f.repeat_offence}


def enterprise_file(ws, code: str) -> EnterpriseFile:
    with ws.store.read() as session:
        enterprise = enterprise_store.get(session, code)
        rows = inspection_store.list_rows(session, enterprise.code)
        counts = dict(session.execute(
            select(models.Finding.inspection_id, func.count()).where(models.Finding.enterprise_code == enterprise.code)
            .group_by(models.Finding.inspection_id)).all())
        inspections = [InspectionSummary(r.id, r.started_at, r.status, list(r.inspectors), r.record_hash,
                                         int(counts.get(r.id, 0))) for r in rows]
        started = {r.id: r.started_at for r in rows}
        findings = []
        for f, matter in session.execute(
                select(models.Finding, models.InspectionItem.matter)
                .join(models.InspectionItem, (models.InspectionItem.inspection_id == models.Finding.inspection_id)
                      & (models.InspectionItem.item_id == models.Finding.item_id))
                .where(models.Finding.enterprise_code == enterprise.code)
                .order_by(models.Finding.created_at.desc())):
            findings.append(FindingSummary(f.id, f.inspection_id, started.get(f.inspection_id, "")[:10], f.item_id,
                                           matter, f.description, f.grade, f.deadline, f.repeat_offence,
                                           f.self_reported))
    return EnterpriseFile(enterprise, inspections, findings)


# ------------------------------------------------------------------------------------ inspections


@dataclass(frozen=True)
class CatalogueInfo:
    id: str
    version: str
    title: str
    status: str


@dataclass(frozen=True)
class ItemPreview:
    catalogue_id: str
    item_id: str
    seq: int
    matter: str
    major_hazard: bool
    reason: str


def latest_catalogues(ws) -> list[CatalogueInfo]:
    return [CatalogueInfo(c.id, c.version, c.title, c.status) for c in ws.catalogues.latest()]


def _chosen_catalogues(ws, keys: list[tuple[str, str]]):
    chosen = []
    for cid, version in keys:
        found = ws.catalogues.get(cid, version)
        if found is not None:
            chosen.append(found)
    return chosen


def preview_items(ws, enterprise_code: str, catalogue_keys: list[tuple[str, str]]) -> list[ItemPreview]:
    """The items domain/selection.py puts in scope for this enterprise, with the reason."""
    from inspector_app.domain.selection import select_items

    with ws.store.read() as session:
        enterprise = enterprise_store.get(session, enterprise_code)
    selected = select_items(_chosen_catalogues(ws, catalogue_keys), enterprise.profile())
    return [ItemPreview(s.catalogue.id, s.item.id, s.item.seq, s.item.matter, s.item.major_hazard, s.reason)
            for s in selected]


def create_inspection(ws, *, enterprise_code: str, inspectors: list[str], catalogue_keys: list[tuple[str, str]],
                      not_applicable: list[str] = (), place: str = "") -> str:
    """inspections.create, as `inspector inspection new` does; the items the officers took out of
    the proposed scope are recorded as 不适用 in the same transaction."""
    chosen = _chosen_catalogues(ws, catalogue_keys)
    with ws.store.write() as session:
        row = inspection_store.create(session, enterprise_code=enterprise_code, inspectors=list(inspectors),
                                      catalogues=chosen, place=place)
        ws.audit(session, "edit", f"inspection:{row.id}", {"op": "new", "enterprise": row.enterprise_code,
                                                            "catalogues": row.catalogues})
        for item_id in not_applicable:
            item = inspection_store.set_result(session, row.id, item_id, "not-applicable")
            ws.audit(session, "edit", f"inspection:{row.id}", {"op": "result", "item": item.item_id,
                                                                "result": item.result})
        ws.set_setting(session, LAST_INSPECTION, row.id)
        return row.id


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    seq: int
    catalogue_id: str
    section: str
    matter: str
    content: str
    check_basis: list[str]
    enforcement_basis: list[str]
    major_hazard: bool
    result: str


@dataclass(frozen=True)
class FindingRow:
    id: str
    item_id: str
    description: str
    location: str
    grade: str
    deadline: str | None
    repeat_offence: bool
    self_reported: bool
    evidence: list[str]


@dataclass
class InspectionState:
    id: str
    status: str
    enterprise_code: str
    enterprise_name: str
    place: str
    started_at: str
    inspectors: list[OfficerInfo]
    items: list[ItemRow]
    findings: list[FindingRow]
    evidence: list[str]  # attached to the inspection itself
    blockers: list[rules.Blocker]  # domain.inspection.sign_blockers: code + params, .text(lang)
    record_hash: str | None

    def findings_of(self, item_id: str) -> list[FindingRow]:
        return [f for f in self.findings if f.item_id == item_id]

    def inspected_on(self) -> date:
        return _day(self.started_at)


def inspection_state(ws, inspection_id: str) -> InspectionState:
    with ws.store.read() as session:
        v = inspection_store.view(session, inspection_id)
        i = v.inspection
        enterprise = enterprise_store.get(session, i.enterprise_code)
        names = {o.cert: o.name for o in officer_store.all_rows(session)}
        return InspectionState(
            id=i.id, status=i.status, enterprise_code=i.enterprise_code, enterprise_name=enterprise.name,
            place=i.place, started_at=i.started_at,
            inspectors=[OfficerInfo(c, names.get(c, c)) for c in i.inspectors],
            items=[ItemRow(it.item_id, it.seq, it.catalogue_id, it.section, it.matter, it.content,
                           list(it.check_basis), list(it.enforcement_basis), it.major_hazard, it.result)
                   for it in v.items],
            findings=[FindingRow(f.id, f.item_id, f.description, f.location, f.grade, f.deadline, f.repeat_offence,
                                 f.self_reported, list(v.evidence.get(f.id, []))) for f in v.findings],
            evidence=list(v.evidence.get("", [])),
            blockers=v.blockers(), record_hash=i.record_hash,
        )


def set_result(ws, inspection_id: str, item_id: str, result: str) -> None:
    with ws.store.write() as session:
        item = inspection_store.set_result(session, inspection_id, item_id, result)
        ws.audit(session, "edit", f"inspection:{item.inspection_id}", {"op": "result", "item": item.item_id,
                                                                        "result": item.result})


def add_finding(ws, inspection_id: str, *, item_id: str, description: str, grade: str, location: str = "",
                deadline: str | None = None, self_reported: bool = False, evidence: list[str] = ()) -> str:
    """As `inspector finding add`: the finding, its evidence links and the audit entry in one
    transaction; the editor's autosaved draft of it is removed in the same transaction."""
    with ws.store.write() as session:
        finding = inspection_store.add_finding(session, inspection_id, item_id=item_id, description=description,
                                               grade=grade, location=location, deadline=deadline,
                                               self_reported=self_reported)
        for sha in evidence:
            evidence_store.attach(session, sha, finding.inspection_id, finding.id)
        ws.audit(session, "edit", f"inspection:{finding.inspection_id}",
                 {"op": "finding", "finding": finding.id, "item": finding.item_id, "grade": finding.grade,
                  "evidence": list(evidence)})
        _clear_setting(session, draft_key(finding.inspection_id, item_id))
        return finding.id


def attach(ws, sha: str, inspection_id: str, finding_id: str | None = None) -> None:
    with ws.store.write() as session:
        link = evidence_store.attach(session, sha, inspection_id, finding_id)
        ws.audit(session, "edit", f"inspection:{link.inspection_id}",
                 {"op": "attach", "evidence": link.sha256, "finding": link.finding_id or None})


def check_deadline(text: str, inspected_on: date) -> date:
    """domain.inspection.parse_deadline: the editor validates as the officer types."""
    return rules.parse_deadline(text, inspected_on)


# --- the finding editor's autosave (until the store has a drafts table: see docs/app.md) ---


def draft_key(inspection_id: str, item_id: str) -> str:
    return f"{DRAFT_PREFIX}{inspection_id}:{item_id}"


def _clear_setting(session, key: str) -> None:
    row = session.get(models.Setting, key)
    if row is not None:
        session.delete(row)


def save_draft(ws, inspection_id: str, item_id: str, data: dict | None) -> None:
    """The editor's fields as typed (None: the draft is gone, e.g. the editor was cancelled)."""
    with ws.store.write() as session:
        if data is None:
            _clear_setting(session, draft_key(inspection_id, item_id))
        else:
            ws.set_setting(session, draft_key(inspection_id, item_id), data)


def load_draft(ws, inspection_id: str, item_id: str) -> dict | None:
    with ws.store.read() as session:
        value = ws.setting(session, draft_key(inspection_id, item_id))
    return value if isinstance(value, dict) else None


def drafts_of(ws, inspection_id: str) -> dict[str, dict]:
    prefix = draft_key(inspection_id, "")
    with ws.store.read() as session:
        rows = session.scalars(select(models.Setting).where(models.Setting.key.like(prefix + "%"))).all()
        return {r.key[len(prefix):]: r.value for r in rows if isinstance(r.value, dict)}


# ------------------------------------------------------------------------------------ signing


def sign(ws, inspection_id: str, passphrases: Callable[[str], str]) -> str:
    from inspector_app.store.records import sign_inspection

    return sign_inspection(ws, inspection_id, passphrases=passphrases)


# ------------------------------------------------------------------------------------ evidence


def evidence_rows(ws, *, unassigned: bool = False) -> list[EvidenceRow]:
    """Originals, newest first, each followed by its annotated copies (oldest first); never
    thumbnails. The unassigned list holds originals only."""
    from inspector_app.store.derived import ANNOTATED

    with ws.store.read() as session:
        rows = evidence_store.unassigned(session) if unassigned else evidence_store.all_rows(session)
        originals = [_evidence_row(r) for r in rows if r.derived_from is None]
        copies: dict[str, list[EvidenceRow]] = {}
        for r in reversed(rows):
            if r.derived_from is not None and r.derived_kind == ANNOTATED:
                copies.setdefault(r.derived_from, []).append(_evidence_row(r))
        out: list[EvidenceRow] = []
        for o in originals:
            out.append(o)
            out.extend(copies.get(o.sha256, []))
        return out


def evidence_row(ws, sha: str) -> EvidenceRow:
    with ws.store.read() as session:
        return _evidence_row(evidence_store.get(session, sha))


def import_paths(ws, unlocked, paths: list[Path], *, inspection: str | None = None, finding: str | None = None,
                 note: str | None = None, op=None) -> list:
    """As `inspector evidence import`: files and folders (a body cam's drive) into the vault, each
    recorded with its capturing officer and audited; returns the vault's FileResults."""
    from inspector_app.domain import media
    from inspector_app.store.vault import FileResult

    vault = ws.vault(unlocked)
    cancel = op.cancel_event if op is not None else None
    results = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            report = vault.import_folder(path, on_progress=(op.report if op is not None else None), cancel=cancel)
            results.extend(report.results)
            if report.cancelled:
                break
            continue
        try:
            put, info = vault.import_file(path, cancel=cancel)
        except InspectorError as exc:
            status = "skipped" if exc.code == media.NOT_MEDIA else (
                "cancelled" if cancel is not None and cancel.is_set() else "failed")
            results.append(FileResult(str(path), status, code=exc.code, params=dict(exc.params)))
            continue
        results.append(FileResult(str(path), "imported" if put.created else "duplicate", sha256=put.sha256,
                                  size=put.size, info=info))
    ok = [r for r in results if r.sha256]
    if ok:
        with ws.store.write() as session:
            for r in ok:
                evidence_store.record(session, sha256=r.sha256, info=r.info, captured_by=unlocked.cert,
                                      original_name=Path(r.path).name, note=note)
                if inspection:
                    evidence_store.attach(session, r.sha256, inspection, finding)
                ws.audit(session, "import", f"evidence:{r.sha256}",
                         {"name": Path(r.path).name, "size": r.size, "media_type": r.info.media_type,
                          "inspection": inspection, "finding": finding, "duplicate": r.status == "duplicate"})
    return results


def thumbnail_jpeg(ws, vault, sha: str) -> bytes:
    """A thumbnail of an original or of an annotated copy, made once (store/derived.py) and found
    again through its evidence row (derived_from, derived_kind) afterwards. A copy's thumbnail is
    recorded, like the copy, as derived from the original; its vault sidecar names the copy as its
    ``source``, which tells it apart from the original's own thumbnail."""
    from inspector_app.store import derived

    with ws.store.read() as session:
        own = session.get(models.Evidence, sha)
        root = own.derived_from if own is not None and own.derived_from else sha
        candidates = list(session.scalars(select(models.Evidence.sha256).where(
            models.Evidence.derived_from == root, models.Evidence.derived_kind == derived.THUMBNAIL)))
    for existing in candidates:
        if not vault.has(existing):
            continue
        meta = vault.get_meta(existing) or {}
        if meta.get("source", meta.get("derived_from")) == sha:
            with vault.open(existing) as r:
                return r.read()
    made = derived.thumbnail(vault, sha)
    with ws.store.write() as session:
        evidence_store.record(session, sha256=made.sha256, info=made.media_info(), captured_by=None,
                              original_name=f"thumbnail of {sha[:16]}", derived_from=made.derived_from,
                              derived_kind=made.kind)
    with vault.open(made.sha256) as r:
        return r.read()


def annotate_evidence(ws, unlocked, vault, sha: str, shapes: list, *, font_path=None) -> EvidenceRow:
    """An annotated copy of a photo (arrows, boxes and text in
    pixels of the upright picture) made by store/derived.annotate, stored in the vault beside the
    untouched original, recorded as evidence derived from it and audited in the same write."""
    from inspector_app.store import derived

    made = derived.annotate(vault, sha, shapes, font_path=font_path)
    original = made.derived_from
    with ws.store.write() as session:
        source = session.get(models.Evidence, original)
        stem = (source.original_name if source is not None and source.original_name else original[:16])
        name = f"{Path(stem).stem}-annotated{'.png' if made.media_type == 'image/png' else '.jpg'}"
        row = evidence_store.record(session, sha256=made.sha256, info=made.media_info(),
                                    captured_by=unlocked.cert, original_name=name, derived_from=original,
                                    derived_kind=derived.ANNOTATED)
        ws.audit(session, "edit", f"evidence:{made.sha256}", {"op": "annotate", "original": original})
        session.flush()
        return _evidence_row(row)


# ------------------------------------------------------------------------------------ documents

#: Which documents an inspection's record calls for, in print order.
def document_kinds(payload: dict) -> list[str]:
    kinds = ["check-record"]
    findings = payload.get("findings") or []
    if findings:
        kinds.append("rectify-order")
    if any(f.get("grade") == "major" for f in findings):
        kinds.append("onsite-measures")
    return kinds


def render_documents(ws, inspection_id: str, out_dir: Path, *, vault=None, kinds: list[str] | None = None,
                     op=None) -> list:
    """The documents of a signed inspection, each through store.documents.render_document (the one
    place that issues numbers, reprints the same number, renders and audits; the CLI's doc render
    uses it too)."""
    from inspector_app.domain.record import parse_record
    from inspector_app.store.documents import render_document
    from inspector_app.store.records import find_record

    with ws.store.read() as session:
        row = find_record(session, inspection_id)
        payload = parse_record(row.payload)
        record_hash = row.hash
    wanted = kinds or document_kinds(payload)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for i, kind in enumerate(wanted):
        if op is not None:
            op.check()
            op.report((i, len(wanted), kind))
        results.append(render_document(ws, kind, record_hash, out_dir / f"{kind}-{record_hash[:12]}.pdf",
                                       vault=vault))
    return results


def documents_dir(ws) -> Path:
    return ws.data_dir / "documents"


# ------------------------------------------------------------------------------------ sync
#
# The app's counterpart of sync/client/cli.py (`inspector sync`): the same SyncClient, built the
# same way, with the evidence opened through the unlocked officer's vault (never while locked).

SYNC_LAST = "ui.sync.last"  # {"at": iso, "ok": bool, "code": str|None, "zh": str, "en": str}


@dataclass(frozen=True)
class SyncItemRow:
    kind: str  # record | evidence
    key: str
    state: str  # pending | synced | failed
    reason: str | None
    message_zh: str | None
    message_en: str | None


@dataclass
class SyncStatus:
    server_url: str | None  # where the device is enrolled, else the address typed in Settings
    enrolled: bool
    device_name: str | None
    counts: dict  # {"synced": n, "pending": n, "failed": n} over records and evidence
    failed: list[SyncItemRow]
    pending: list[SyncItemRow]  # pending items that carry a reason (evidence missing, blocked, …)
    last: dict | None  # SYNC_LAST


def sync_client(ws, unlocked=None, *, listener=None):
    """A SyncClient over the workspace (sync.client.device.client_for, as `inspector sync` builds
    it); the vault is opened with ``unlocked``'s vault key, lazily and only if evidence must be read."""
    from sync.client.device import client_for

    return client_for(ws, (lambda: unlocked) if unlocked is not None else None, listener=listener)


def sync_status(ws) -> SyncStatus:
    client = sync_client(ws)
    client.queue.fill()
    cfg = client.queue.config()
    counts = {"synced": 0, "pending": 0, "failed": 0}
    failed, pending = [], []
    for item in client.queue.items():
        counts[item.state] = counts.get(item.state, 0) + 1
        row = SyncItemRow(item.kind, item.key, item.state, item.reason, item.message_zh, item.message_en)
        if item.state == "failed":
            failed.append(row)
        elif item.state == "pending" and item.reason:
            pending.append(row)
    with ws.store.read() as session:
        typed = ws.setting(session, "server_url")
        last = ws.setting(session, SYNC_LAST)
    return SyncStatus(server_url=cfg.get("server_url") or typed or None, enrolled=bool(cfg.get("token")),
                      device_name=cfg.get("device_name"), counts=counts, failed=failed, pending=pending,
                      last=last if isinstance(last, dict) else None)


def sync_enrol(ws, server_url: str, code: str, *, by: str | None, name: str | None = None) -> dict:
    """`inspector sync --server URL --enrol CODE`'s enrolment: the one-time code from the county
    admin; the server address is remembered in the settings too. Audited."""
    server_url = server_url.strip().rstrip("/")
    enrolled = sync_client(ws).enrol(server_url, code.strip().upper(), name=name)
    with ws.store.write() as session:
        if ws.setting(session, "server_url") != server_url:
            ws.set_setting(session, "server_url", server_url)
        ws.audit(session, "edit", "server", {"op": "enrol", "server": server_url,
                                             "device_name": enrolled["device_name"], "by": by})
    return enrolled


def sync_pass(ws, unlocked, *, op=None, now: Callable[[], str] | None = None) -> dict:
    """One pass of `inspector sync` (push pending records and evidence, pull); its summary as a dict.
    A pass that cannot finish (server down, revoked) raises its SyncError; either way the outcome is
    kept under SYNC_LAST for the home page. ``op`` (ui/operations.Operation) gets progress and its
    cancel stops the client between chunks."""
    from inspector_app.store.clock import now_iso

    client = None

    def listener(item) -> None:
        if op is not None:
            if op.cancelled and client is not None:
                client.cancel()
            op.report({"kind": item.kind, "key": item.key, "state": item.state, "sent": item.sent,
                       "size": item.size})

    client = sync_client(ws, unlocked, listener=listener)
    stamp = now or now_iso
    try:
        summary = client.run()
    except InspectorError as exc:
        set_ui_setting(ws, SYNC_LAST, {"at": stamp(), "ok": False, "code": exc.code, "zh": exc.text("zh"),
                                       "en": exc.text("en")})
        raise
    result = summary.to_dict()
    set_ui_setting(ws, SYNC_LAST, {"at": stamp(), "ok": summary.ok, "code": None, "zh": "", "en": ""})
    return result


# ------------------------------------------------------------------------------------ quiz (逢查必考)


@dataclass(frozen=True)
class QuizBankInfo:
    key: str
    title: str
    questions: int


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    text: str
    options: list[str]
    true_false: bool  # options are 对 / 错


def quiz_banks(ws) -> list[QuizBankInfo]:
    from inspector_app.store import quiz as quiz_store

    return [QuizBankInfo(k, b.title, len(b.questions)) for k, b in sorted(quiz_store.banks(ws).items())]


def quiz_draw(ws, inspection_id: str, *, bank_key: str | None, name: str, role: str, count: int,
              by: str | None = None, seed: int | None = None) -> tuple[dict, list[QuizQuestion]]:
    """As `inspector quiz draw`: a paper drawn at random for one person, audited in the same write."""
    from inspector_app.domain import quiz as quiz_rules
    from inspector_app.store import quiz as quiz_store

    quiz_rules.check_role(role)
    with ws.store.write() as session:
        iid, person, paper = quiz_store.draw(session, ws, inspection_id, bank_key=bank_key, name=name, role=role,
                                             count=count, seed=seed)
        ws.audit(session, "edit", f"inspection:{iid}", {"op": "quiz-draw", "name": name, "paper": person["paper"],
                                                        "seed": person["seed"], "by": by})
    return dict(person), [QuizQuestion(q.id, q.text, list(q.options), tuple(q.options) == quiz_rules.TRUE_FALSE)
                          for q in paper]


def quiz_answer(ws, inspection_id: str, *, name: str, answers: list[str], by: str | None = None) -> dict:
    """As `inspector quiz answer`: the answers graded against the county's pass mark, audited."""
    from inspector_app.domain import quiz as quiz_rules
    from inspector_app.store import quiz as quiz_store

    with ws.store.write() as session:
        pass_percent = int(ws.setting(session, "quiz_pass_percent") or quiz_rules.DEFAULT_PASS_PERCENT)
        person = quiz_store.answer(session, ws, inspection_id, name=name, answers=answers, pass_percent=pass_percent)
        ws.audit(session, "edit", f"inspection:{inspection_id}", {"op": "quiz-answer", "name": name,
                                                                  "correct": person["correct"],
                                                                  "passed": person["passed"], "by": by})
    return dict(person, pass_percent=pass_percent)


# ------------------------------------------------------------------------------------ 整改复查


@dataclass(frozen=True)
class OpenFinding:
    id: str
    inspection_id: str
    item_id: str
    description: str
    grade: str
    deadline: str | None
    review: str | None  # this inspection's review of it: rectified | not-rectified | None


def open_findings(ws, inspection_id: str) -> list[OpenFinding]:
    """The enterprise's open findings (store/reviews.open_findings) other than this inspection's own,
    with what this inspection has recorded of each."""
    from inspector_app.store import reviews

    with ws.store.read() as session:
        inspection = session.get(models.Inspection, inspection_id)
        if inspection is None:
            return []
        done = {r.finding_id: r.result for r in reviews.of_inspection(session, inspection_id)}
        rows = reviews.open_findings(session, inspection.enterprise_code)
        shown = {f.id for f in rows}
        # a finding reviewed as rectified here stays listed (its review can be changed until signing)
        extra = [session.get(models.Finding, fid) for fid in done if fid not in shown]
        return [OpenFinding(f.id, f.inspection_id, f.item_id, f.description, f.grade, f.deadline, done.get(f.id))
                for f in rows + [e for e in extra if e is not None] if f.inspection_id != inspection_id]


def review_finding(ws, inspection_id: str, finding_id: str, result: str, note: str = "", *,
                   by: str | None = None) -> str:
    """As `inspector inspection review`: reviews.review and its audit entry in one write."""
    from inspector_app.store import reviews

    with ws.store.write() as session:
        row = reviews.review(session, inspection_id, finding_id, result, note)
        ws.audit(session, "edit", f"inspection:{row.inspection_id}",
                 {"op": "review", "finding": row.finding_id, "record": row.record_hash, "result": row.result})
        return row.result



def wordings(ws, item_id: str) -> list[str]:
    """store.inspections.wordings: the descriptions used before for this item, most used first."""
    with ws.store.read() as session:
        return inspection_store.wordings(session, item_id)


# ------------------------------------------------------------------------------------ editing a draft
#
# The app's counterparts of `inspector inspection add-item`, `inspector finding edit` and
# `inspector finding remove` (cli/inspection.py): the store call and its audit entry in one write.


def addable_items(ws, inspection_id: str) -> list[ItemPreview]:
    """The items of the latest catalogues not yet in this inspection's scope (the selection left
    them out, or they were never chosen), in catalogue order; ``reason`` is the catalogue's title."""
    with ws.store.read() as session:
        in_scope = set(session.scalars(select(models.InspectionItem.item_id)
                                       .where(models.InspectionItem.inspection_id == inspection_id)))
    out = []
    for c in ws.catalogues.latest():
        for it in c.items:
            if it.id not in in_scope:
                out.append(ItemPreview(c.id, it.id, it.seq, it.matter, it.major_hazard, c.title))
    return out


def add_items(ws, inspection_id: str, items: list[tuple[str, str]]) -> list[str]:
    """As `inspector inspection add-item`: ``items`` are (item_id, catalogue_id), located in the
    latest catalogues; items already in scope are left as they are. Returns the ids added."""
    chosen = [ws.catalogues.locate(item_id, catalogue_id) for item_id, catalogue_id in items]
    with ws.store.write() as session:
        added = inspection_store.add_items(session, inspection_id, chosen)
        iid = inspection_store.get_row(session, inspection_id).id
        ws.audit(session, "edit", f"inspection:{iid}", {"op": "add-items", "items": [a.item_id for a in added]})
        return [a.item_id for a in added]


def update_finding(ws, finding_id: str, *, description: str | None = None, location: str | None = None,
                   grade: str | None = None, deadline: str | None = None, clear_deadline: bool = False,
                   self_reported: bool | None = None, evidence: list[str] = ()) -> str:
    """As `inspector finding edit`: inspections.update_finding and its audit entry in one write;
    ``evidence`` newly chosen in the editor is attached in the same write (audited as `attach`, as
    attach() does). The evidence already linked stays as it is."""
    with ws.store.write() as session:
        f = inspection_store.update_finding(session, finding_id, description=description, location=location,
                                            grade=grade, deadline=deadline, clear_deadline=clear_deadline,
                                            self_reported=self_reported)
        ws.audit(session, "edit", f"inspection:{f.inspection_id}", {"op": "finding-edit", "finding": f.id})
        for sha in evidence:
            link = evidence_store.attach(session, sha, f.inspection_id, f.id)
            ws.audit(session, "edit", f"inspection:{link.inspection_id}",
                     {"op": "attach", "evidence": link.sha256, "finding": link.finding_id or None})
        return f.id


def remove_finding(ws, finding_id: str) -> str:
    """As `inspector finding remove`: the finding and its evidence links go (the evidence stays in
    the vault), audited in the same write. Returns the inspection's id."""
    with ws.store.write() as session:
        inspection_id = inspection_store.remove_finding(session, finding_id)
        ws.audit(session, "edit", f"inspection:{inspection_id}", {"op": "finding-remove", "finding": finding_id})
        return inspection_id
