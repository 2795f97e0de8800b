"""What devices pull: published catalogues, the enterprise registry, number blocks, assignments."""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from sqlalchemy import func, select

from inspector_app.domain.catalogue import validate_catalogue_file
from inspector_app.domain.enterprise import validate_uscc
from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..auth import Principal
from ..context import Context
from ..devices.service import by_name
from ..inspectors.service import certs_of_device
from .models import Assignment, EnterpriseVersion, NumberBlock, PublishedCatalogue

PAGE = 500
BAD_CATALOGUE = define("server.bad_catalogue", "检查目录文件 {path} 无效：{reason}",
                       "The catalogue file {path} is invalid: {reason}")
BAD_ALLOCATION = define("server.bad_allocation", "文书编号分配参数无效：{reason}",
                        "Invalid document-number allocation: {reason}")
BAD_ENTERPRISES = define("server.bad_enterprises", "企业名录文件 {path} 无效：{reason}",
                         "The enterprise file {path} is invalid: {reason}")


# --- catalogues ---------------------------------------------------------------------------------
def publish_catalogue(ctx: Context, path: Path) -> dict:
    path = Path(path)
    problems = validate_catalogue_file(path)
    if problems:
        raise InspectorError(BAD_CATALOGUE, exit_code=1, path=str(path), reason=problems[0].text("zh"))
    text = path.read_text("utf-8")
    data = tomllib.loads(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with ctx.db.write() as session:
        row = session.get(PublishedCatalogue, (data["id"], str(data["version"])))
        if row is None:
            row = PublishedCatalogue(id=data["id"], version=str(data["version"]))
            session.add(row)
        row.title, row.sha256, row.toml, row.published_at = data.get("title", ""), digest, text, clock.now_iso()
    return {"id": data["id"], "version": str(data["version"]), "sha256": digest}


def catalogues(ctx: Context) -> list[dict]:
    with ctx.db.read() as session:
        return [{"id": c.id, "version": c.version, "title": c.title, "sha256": c.sha256, "published_at": c.published_at,
                 "toml": c.toml}
                for c in session.scalars(select(PublishedCatalogue).order_by(PublishedCatalogue.id, PublishedCatalogue.version))]


# --- enterprises --------------------------------------------------------------------------------
ENTERPRISE_FIELDS = ("code", "name", "address", "kind", "industry", "township", "legal_representative",
                     "contact_name", "contact_phone", "licences", "major_hazard_sources", "key_processes", "key_chemicals")


def import_enterprises(ctx: Context, path: Path) -> dict:
    """A JSON list of enterprise objects (the fields of the device registry); each changed one
    becomes a new registry version."""
    import json

    try:
        items = json.loads(Path(path).read_text("utf-8"))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError("expected a JSON list of objects")
        for item in items:
            item["code"] = validate_uscc(str(item.get("code", "")))
            if not item.get("name") or not item.get("kind"):
                raise ValueError(f"{item['code']}: name and kind are required")
    except (ValueError, OSError, InspectorError) as exc:
        text = exc.text("zh") if isinstance(exc, InspectorError) else str(exc)
        raise InspectorError(BAD_ENTERPRISES, exit_code=1, path=str(path), reason=text) from None
    changed = 0
    with ctx.db.write() as session:
        for item in items:
            data = {k: item[k] for k in ENTERPRISE_FIELDS if k in item}
            last = session.scalar(select(EnterpriseVersion).where(EnterpriseVersion.code == data["code"])
                                  .order_by(EnterpriseVersion.rev.desc()).limit(1))
            if last is not None and last.data == data:
                continue
            session.add(EnterpriseVersion(code=data["code"], data=data, updated_at=clock.now_iso()))
            changed += 1
    return {"read": len(items), "changed": changed}


def enterprises(ctx: Context, since: int, limit: int = PAGE) -> dict:
    with ctx.db.read() as session:
        rows = list(session.scalars(select(EnterpriseVersion).where(EnterpriseVersion.rev > since)
                                    .order_by(EnterpriseVersion.rev).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1].rev if rows else since
        return {"enterprises": [dict(r.data, updated_at=r.updated_at) for r in rows], "cursor": cursor, "more": more}


# --- document numbers ---------------------------------------------------------------------------
def allocate_numbers(ctx: Context, *, device: str, prefix: str, year: int, count: int) -> dict:
    if not prefix or count < 1 or count > 100000 or not 2000 <= year <= 2100:
        raise InspectorError(BAD_ALLOCATION, exit_code=2, reason="prefix, 2000 ≤ year ≤ 2100, 1 ≤ count ≤ 100000")
    with ctx.db.write() as session:
        target = by_name(session, device)
        top = session.scalar(select(func.max(NumberBlock.end)).where(NumberBlock.prefix == prefix, NumberBlock.year == year))
        start = (top or 0) + 1
        block = NumberBlock(device=target.id, prefix=prefix, year=year, start=start, end=start + count - 1,
                            allocated_at=clock.now_iso())
        session.add(block)
        session.flush()
        return _block(block) | {"device": device}


def _block(b: NumberBlock) -> dict:
    return {"id": b.id, "prefix": b.prefix, "year": b.year, "start": b.start, "end": b.end, "allocated_at": b.allocated_at}


def numbers(ctx: Context, who: Principal) -> list[dict]:
    with ctx.db.read() as session:
        return [_block(b) for b in session.scalars(select(NumberBlock).where(NumberBlock.device == who.device)
                                                   .order_by(NumberBlock.id))]


# --- assignments --------------------------------------------------------------------------------
def add_assignment(ctx: Context, *, enterprise: str, inspectors: list[str], title: str = "", due: str | None = None,
                   note: str = "") -> dict:
    code = validate_uscc(enterprise)
    with ctx.db.write() as session:
        row = Assignment(enterprise_code=code, inspectors=list(inspectors), title=title, due=due, note=note,
                         created_at=clock.now_iso())
        session.add(row)
        session.flush()
        return _assignment(row)


def _assignment(a: Assignment) -> dict:
    return {"id": a.id, "enterprise": a.enterprise_code, "inspectors": list(a.inspectors), "title": a.title,
            "due": a.due, "note": a.note, "created_at": a.created_at}


def assignments(ctx: Context, who: Principal) -> list[dict]:
    with ctx.db.read() as session:
        mine = set(certs_of_device(session, who.device))
        rows = session.scalars(select(Assignment).order_by(Assignment.id))
        return [_assignment(a) for a in rows if mine & set(a.inspectors)]
