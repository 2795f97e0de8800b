"""An enterprise's file (一企一档), an inspection's page, its evidence (streamed, with Range) and its
documents (re-rendered from the signed record)."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from inspector_app.domain.messages import InspectorError

from ..auth import get_context
from ..context import Context
from ..dashboard import service as dash
from ..users.service import SessionInfo
from . import media
from . import records_service as records
from .export import disposition
from .render import html
from .session import WebError, staff, staff_form
from .settings_service import county, county_complete, limits

router = APIRouter(include_in_schema=False)


@router.get("/enterprises")
def enterprises(request: Request, info: SessionInfo = Depends(staff)):
    from fastapi.responses import RedirectResponse

    return RedirectResponse("/lists/enterprises" + (("?" + request.url.query) if request.url.query else ""), status_code=303)


@router.get("/enterprises/{code}")
def enterprise_page(code: str, request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    data = dash.enterprise_file(ctx, code[:40], cap=limits(ctx)["annual_cap"]) if len(code) <= 40 else None
    if data is None:
        raise WebError(404, f"没有统一社会信用代码为 {code[:40]} 的企业")
    return html(request, "enterprise.html", {"title": data["enterprise"]["name"] or code, "nav": "lists", "d": data,
                                             "cap": limits(ctx)["annual_cap"]})


@router.get("/inspections/{record_hash}")
def inspection_page(record_hash: str, request: Request, info: SessionInfo = Depends(staff),
                    ctx: Context = Depends(get_context)):
    data = records.inspection(ctx, record_hash)
    if data is None:
        raise WebError(404, "没有这份检查记录（记录哈希不存在）")
    settings = county(ctx)
    return html(request, "inspection.html", {"title": f"检查记录 · {data['payload']['enterprise']['name']}",
                                             "nav": "lists", "r": data, "documents_ready": county_complete(settings),
                                             "short_name": settings.short_name,
                                             "year": data["payload"]["started_at"][:4]})


@router.get("/inspections/{record_hash}/record.json")
def record_json(record_hash: str, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    row = records.stored_record(ctx, record_hash)
    if row is None:
        raise WebError(404, "没有这份检查记录")
    return Response(row.payload, media_type="application/json",
                    headers={"Content-Disposition": disposition(f"record-{record_hash}.json", "record.json"),
                             "X-Content-Type-Options": "nosniff"})


@router.get("/inspections/{record_hash}/signatures.json")
def signatures_json(record_hash: str, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    row = records.stored_record(ctx, record_hash)
    if row is None:
        raise WebError(404, "没有这份检查记录")
    body = json.dumps({"signatures": row.signatures, "receipt": row.receipt, "receipt_signature": row.receipt_signature},
                      ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": disposition(f"signatures-{record_hash}.json", "signatures.json")})


def _thumbs(ctx: Context):
    cache = ctx.settings.data_dir / "web-cache" / "thumbs"

    def photos(sha256: str) -> bytes | None:
        found = records.evidence_blob(ctx, sha256)
        if found is None or records.media_kind(found[1]) != "image":
            return None
        return media.thumbnail(ctx.blobs, cache, sha256, "m")

    return photos


@router.post("/inspections/{record_hash}/documents")
def render_document(record_hash: str, posted=Depends(staff_form), ctx: Context = Depends(get_context)):
    info, form = posted
    if records.stored_record(ctx, record_hash) is None:
        raise WebError(404, "没有这份检查记录")
    kind = form.get("kind", "")
    if kind not in records.DOC_KINDS:
        raise WebError(400, "文书种类无效")
    try:
        path = records.render_document(ctx, record_hash, kind, form.get("number", "").strip(), settings=county(ctx),
                                       by=info.user.name, thumbs=_thumbs(ctx))
    except InspectorError as exc:
        raise WebError(400, exc.text("zh")) from None
    title = records.DOC_KINDS[kind][0]
    return FileResponse(path, media_type="application/pdf", background=BackgroundTask(Path(path).unlink, missing_ok=True),
                        headers={"Content-Disposition": disposition(f"{title}-{record_hash[:12]}.pdf", f"{kind}.pdf")
                                 .replace("attachment", "inline", 1), "Cache-Control": "no-store"})


@router.get("/evidence/{sha256}")
def evidence(sha256: str, request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    found = records.evidence_blob(ctx, sha256)
    if found is None:
        raise WebError(404, "没有这份证据（未列入任何检查记录，或尚未上传）")
    size, media_type, name = found
    return media.stream(ctx.blobs, sha256, size, media_type, request.headers.get("range"), filename=name)


@router.get("/evidence/{sha256}/thumb")
def evidence_thumb(sha256: str, size: str = "s", info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    if size not in media.THUMB_SIZES:
        raise WebError(400, "缩略图尺寸无效（s 或 m）")
    found = records.evidence_blob(ctx, sha256)
    if found is None or records.media_kind(found[1]) != "image":
        raise WebError(404, "没有这张照片")
    data = media.thumbnail(ctx.blobs, ctx.settings.data_dir / "web-cache" / "thumbs", sha256, size)
    if data is None:
        raise WebError(404, "这张照片无法生成缩略图")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400",
                                                            "X-Content-Type-Options": "nosniff"})



