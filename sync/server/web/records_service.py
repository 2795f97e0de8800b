"""What the inspection page, the evidence players, the documents and the public check read.

The inspection page re-checks everything it shows: the record's bytes against its hash, every
signature against the keys the record lists (and whether those keys are registered here), the
receipt's signature against the server key. The public check (``public_check``) answers only:
does the record exist, does its hash match, the enterprise's name, the inspection date, and the
document number(s) — never the inspectors, findings, evidence or any personal data.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import loads_strict
from inspector_app.domain import record as record_rules
from inspector_app.domain.enterprise import KINDS
from inspector_app.domain.messages import InspectorError, define
from inspector_app.domain.numbering import PREFIXES, SERVER_MAX, parse_number
from sync.protocol import wire
from sync.protocol.wire import is_sha256

from .. import clock
from ..context import Context
from ..dashboard.index import china_datetime
from ..dashboard.models import DashFinding, DashInspection
from ..dashboard.service import today as dashboard_today
from ..devices.models import Device
from ..evidence.models import Blob
from ..inspectors.models import InspectorKey
from ..pulls.models import NumberBlock
from ..records.models import RecordEvidence, StoredRecord
from .models import DocumentNumber, RevokedInspectorKey

SETTINGS_MISSING = define("web.county_settings_missing",
                          "服务器尚未填写县区设置（{missing}），无法重新生成文书；请管理员在“设置”中填写",
                          "The county settings are incomplete ({missing}); an admin must fill them in before documents can be rendered")

RESULTS = {"compliant": "符合", "violation": "不符合", "not-applicable": "不适用", "not-checked": "未检查"}
GRADES = {"general": "一般隐患", "major": "重大事故隐患"}
REVIEW_RESULTS = {"rectified": "已整改", "not-rectified": "未整改"}
ROLES = {"principal": "主要负责人", "safety-deputy": "分管安全负责人", "safety-manager": "安全管理人员", "other": "其他"}
DOC_KINDS = {"check-record": ("现场检查记录", "应急检记"), "rectify-order": ("责令限期整改指令书", "应急责改"),
             "onsite-measures": ("现场处理措施决定书", "应急现决"), "review-opinion": ("整改复查意见书", "应急复查"),
             "plan": ("现场检查方案", "应急检查")}


def media_kind(media_type: str) -> str:
    top = (media_type or "").split("/")[0]
    return top if top in ("image", "video", "audio") else "other"


def stored_record(ctx: Context, record_hash: str) -> StoredRecord | None:
    if not is_sha256(record_hash):
        return None
    with ctx.db.read() as s:
        return s.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))


def payload_of(row: StoredRecord) -> dict:
    return loads_strict(row.payload)


def _chain(ctx: Context, s, record_hash: str, payload: dict) -> dict:
    """Earlier records this one amends (oldest first) and later ones that amend it."""
    earlier = []
    seen = {record_hash}
    target = (payload.get("amends") or {}).get("record")
    reason = (payload.get("amends") or {}).get("reason")
    while target and target not in seen and len(earlier) < 50:
        seen.add(target)
        row = s.scalar(select(StoredRecord).where(StoredRecord.hash == target))
        entry = {"hash": target, "stored": row is not None, "reason": reason, "received_at": row.received_at if row else ""}
        earlier.append(entry)
        if row is None:
            break
        p = loads_strict(row.payload)
        target, reason = (p.get("amends") or {}).get("record"), (p.get("amends") or {}).get("reason")
    later = []
    frontier = [record_hash]
    while frontier and len(later) < 50:
        current = frontier.pop(0)
        for h, received in s.execute(select(DashInspection.record_hash, DashInspection.received_at)
                                     .where(DashInspection.amends == current).order_by(DashInspection.seq)):
            if h not in seen:
                seen.add(h)
                later.append({"hash": h, "received_at": received})
                frontier.append(h)
    return {"earlier": list(reversed(earlier)), "later": later}


def inspection(ctx: Context, record_hash: str) -> dict | None:
    row = stored_record(ctx, record_hash)
    if row is None:
        return None
    payload = payload_of(row)
    hash_ok = hashlib.sha256(row.payload).hexdigest() == record_hash
    keys = {i["cert"]: i["public_key"] for i in payload["inspectors"]}
    signature_problems = [p.text("zh") for p in record_rules.check_signatures(row.payload, row.signatures, keys)]
    with ctx.db.read() as s:
        device = s.get(Device, row.device)
        registration = {}
        for i in payload["inspectors"]:
            key = s.get(InspectorKey, i["public_key"])
            if key is not None and key.cert == i["cert"]:
                registration[i["cert"]] = "已登记"
            elif s.get(RevokedInspectorKey, i["public_key"]) is not None:
                registration[i["cert"]] = "已吊销"
            else:
                registration[i["cert"]] = "未登记"
        listed = [e["sha256"] for e in payload["evidence"]]
        present = set(s.scalars(select(Blob.sha256).where(Blob.sha256.in_(listed)))) if listed else set()
        status = {f.finding_id: f for f in s.scalars(select(DashFinding).where(DashFinding.record_hash == record_hash))}
        chain = _chain(ctx, s, record_hash, payload)
        numbers = list(s.scalars(select(DocumentNumber).where(DocumentNumber.record_hash == record_hash)
                                 .order_by(DocumentNumber.kind, DocumentNumber.number)))
        dash = s.get(DashInspection, record_hash)
    receipt_problems = wire.receipt_problems({"receipt": row.receipt, "signature": row.receipt_signature},
                                             signing.b64(ctx.settings.public_key), record=record_hash,
                                             device=device.device_id if device else None)
    items = {i["item"]: i for i in payload["items"]}
    evidence = []
    for e in payload["evidence"]:
        evidence.append(dict(e, kind=media_kind(e["media_type"]), stored=e["sha256"] in present))
    by_sha = {e["sha256"]: e for e in evidence}
    findings = []
    today = dashboard_today().isoformat()
    for f in payload["findings"]:
        d = status.get(f["id"])
        closed = d.closed_date if d else None
        if closed:
            state = "逾期后整改" if f["deadline"] and closed > f["deadline"] else "已整改"
        elif f["deadline"] and f["deadline"] < today:
            state = "已逾期"
        else:
            state = "整改中"
        findings.append(dict(f, matter=items.get(f["item"], {}).get("matter", ""),
                             content=items.get(f["item"], {}).get("content", ""),
                             basis=items.get(f["item"], {}).get("check_basis", []),
                             grade_name=GRADES.get(f["grade"], f["grade"]), state=state, closed=closed,
                             closed_by=d.closed_by if d else None, repeat_seen=bool(d and d.repeat_seen),
                             media=[by_sha[sha] for sha in f["evidence"] if sha in by_sha]))
    used = {sha for f in payload["findings"] for sha in f["evidence"]}
    counts = {}
    for i in payload["items"]:
        counts[i["result"]] = counts.get(i["result"], 0) + 1
    reviews = [dict(r, result_name=REVIEW_RESULTS.get(r.get("result"), r.get("result")))
               for r in payload.get("reviews") or [] if isinstance(r, dict)]
    kinds = ["check-record"]
    if any(f["deadline"] for f in payload["findings"]):
        kinds.append("rectify-order")
    if any(f["grade"] == "major" for f in payload["findings"]):
        kinds.append("onsite-measures")
    if reviews:
        kinds.append("review-opinion")
    kinds.append("plan")
    return {
        "hash": record_hash, "payload": payload, "hash_ok": hash_ok, "signature_problems": signature_problems,
        "registration": registration, "receipt": row.receipt, "receipt_signature": row.receipt_signature,
        "receipt_problems": receipt_problems, "status": row.status,
        "missing": sorted(set(listed) - present), "received_at": row.received_at, "completed_at": row.completed_at,
        "device": {"id": device.id, "name": device.name, "device_id": device.device_id} if device else None,
        "evidence": evidence, "loose": [e for e in evidence if e["sha256"] not in used], "findings": findings, "item_counts": [(RESULTS[k], v) for k, v in sorted(counts.items())],
        "items": [dict(i, result_name=RESULTS.get(i["result"], i["result"])) for i in payload["items"]],
        "reviews": reviews, "chain": chain, "superseded_by": dash.superseded_by if dash else None,
        "late": dash.late if dash else None,
        "kind_name": KINDS.get(payload["enterprise"]["kind"], payload["enterprise"]["kind"]),
        "quiz": payload.get("quiz"), "roles": ROLES,
        "documents": [(k, DOC_KINDS[k][0], DOC_KINDS[k][1]) for k in kinds],
        "numbers": [{"kind": DOC_KINDS.get(n.kind, (n.kind,))[0], "number": n.number, "entered_by": n.entered_by,
                     "entered_at": n.entered_at} for n in numbers],
        "signatures": row.signatures,
    }


def evidence_blob(ctx: Context, sha256: str) -> tuple[int, str, str] | None:
    """(size, media type, original name) of an evidence original listed by a stored record and
    stored here; None otherwise."""
    if not is_sha256(sha256):
        return None
    with ctx.db.read() as s:
        blob = s.get(Blob, sha256)
        record_hash = s.scalar(select(RecordEvidence.record_hash).where(RecordEvidence.sha256 == sha256).limit(1))
        if blob is None or record_hash is None:
            return None
        payload = loads_strict(s.scalar(select(StoredRecord.payload).where(StoredRecord.hash == record_hash)))
    for e in payload["evidence"]:
        if e["sha256"] == sha256:
            media = e["media_type"]
            if media_kind(media) == "other" or "html" in media or "xml" in media or "svg" in media:
                media = "application/octet-stream"
            return blob.size, media, e.get("original_name") or ""
    return blob.size, "application/octet-stream", ""


# --- the public check of a paper document ---------------------------------------------------------
def public_check(ctx: Context, record_hash: str, number: str | None) -> dict:
    """Exists? hash matches? enterprise name, inspection date, numbers. Nothing else."""
    out: dict = {"hash": record_hash, "valid_hash": is_sha256(record_hash), "exists": False, "number": None}
    if number is not None:
        number = number.strip()[:100]
        out["number"] = {"text": number, "parsed": None, "problem": None, "in_block": None, "known": False}
        try:
            parsed = parse_number(number)
            out["number"]["parsed"] = {"prefix": parsed.prefix, "year": parsed.year, "n": parsed.n,
                                       "provisional": parsed.provisional,
                                       "kind": next((v[0] for v in DOC_KINDS.values() if v[1] == parsed.prefix), None)}
            if parsed.prefix not in PREFIXES:
                out["number"]["problem"] = "文书种类前缀不是已知的执法文书"
        except InspectorError as exc:
            out["number"]["problem"] = exc.text("zh")
    if not out["valid_hash"]:
        return out
    with ctx.db.read() as s:
        row = s.scalar(select(StoredRecord).where(StoredRecord.hash == record_hash))
        if row is None:
            return out
        payload = loads_strict(row.payload)
        out["exists"] = True
        out["hash_matches"] = hashlib.sha256(row.payload).hexdigest() == record_hash
        out["enterprise_name"] = payload["enterprise"]["name"]
        out["date"] = china_datetime(payload["started_at"]).date().isoformat()
        out["amended"] = s.scalar(select(DashInspection.superseded_by).where(DashInspection.record_hash == record_hash)) is not None
        out["known_numbers"] = sorted(set(s.scalars(select(DocumentNumber.number)
                                                    .where(DocumentNumber.record_hash == record_hash))))
        if out["number"] and out["number"]["parsed"]:
            p = out["number"]["parsed"]
            out["number"]["known"] = out["number"]["text"] in out["known_numbers"]
            if p["n"] <= SERVER_MAX:
                block = s.scalar(select(NumberBlock.id).where(
                    NumberBlock.device == row.device, NumberBlock.prefix == p["prefix"], NumberBlock.year == p["year"],
                    NumberBlock.start <= p["n"], NumberBlock.end >= p["n"]).limit(1))
                out["number"]["in_block"] = block is not None
    return out


# --- documents ------------------------------------------------------------------------------------
def render_document(ctx: Context, record_hash: str, kind: str, number: str, *, settings, by: str,
                    thumbs) -> Path:
    """Re-render a final document from the stored record into a temp file (the caller deletes it);
    the number entered is remembered as known for this record."""
    from inspector_app.documents import render

    from .settings_service import county_complete

    missing = [k for k in ("county_name", "bureau_name", "short_name", "reconsideration_body", "court")
               if not getattr(settings, k).strip()]
    if not county_complete(settings):
        raise InspectorError(SETTINGS_MISSING, exit_code=1, missing="、".join(missing))
    row = stored_record(ctx, record_hash)
    payload = payload_of(row)
    fd, path = tempfile.mkstemp(prefix="inspector-doc-", suffix=".pdf")
    os.close(fd)
    try:
        result = render(kind, payload, record_hash=record_hash, signed=True, number=number or None, settings=settings,
                        out_path=path, photos=thumbs)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    if result.number:
        with ctx.db.write() as s:
            if s.get(DocumentNumber, (record_hash, kind, result.number)) is None:
                s.add(DocumentNumber(record_hash=record_hash, kind=kind, number=result.number,
                                     entered_at=clock.now_iso(), entered_by=by))
    return Path(path)
