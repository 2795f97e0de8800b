"""Public pages (no login): the check of a paper document's QR code, and the published draws."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ..auth import get_context
from ..context import Context
from ..draws import service as draws
from . import records_service as records
from .export import XLSX, disposition
from .render import html
from .session import WebError

router = APIRouter(include_in_schema=False)


@router.get("/v/{record_hash}")
def verify_document(record_hash: str, request: Request, ctx: Context = Depends(get_context)):
    """What a QR code on a printed document opens: exists? hash matches? whose, when, which number."""
    number = request.query_params.get("n")
    result = records.public_check(ctx, record_hash[:200], number)
    status = 200 if result["exists"] else 404
    return html(request, "verify.html", {"title": "执法文书核验", "v": result, "public": True}, status=status,
                private=False, headers={"Referrer-Policy": "no-referrer"})


def _draw(ctx: Context, draw_id: str) -> dict:
    d = draws.find(ctx, int(draw_id)) if draw_id.isdecimal() and len(draw_id) < 10 else None
    if d is None:
        raise WebError(404, "没有这次抽查")
    return d


@router.get("/public/draws")
def public_draws(request: Request, ctx: Context = Depends(get_context)):
    return html(request, "draws_public.html", {"title": "双随机抽查公示", "draws": draws.all_draws(ctx), "public": True},
                private=False)


@router.get("/public/draws/{draw_id}")
def public_draw(draw_id: str, request: Request, ctx: Context = Depends(get_context)):
    if draw_id.endswith(".json"):
        d = _draw(ctx, draw_id[:-5])
        body = json.dumps(draws.public_file(d), ensure_ascii=False, indent=2)
        return Response(body, media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": disposition(f"双随机抽查-{d['id']}-{d['period']}.json", f"draw-{d['id']}.json"),
            "X-Content-Type-Options": "nosniff"})
    if draw_id.endswith(".xlsx"):
        d = _draw(ctx, draw_id[:-5])
        fd, path = tempfile.mkstemp(prefix="inspector-draw-", suffix=".xlsx")
        os.close(fd)
        draws.workbook(d, path)
        return FileResponse(path, media_type=XLSX, background=BackgroundTask(Path(path).unlink, missing_ok=True),
                            headers={"Content-Disposition": disposition(f"双随机抽查-{d['id']}-{d['period']}.xlsx",
                                                                        f"draw-{d['id']}.xlsx")})
    d = _draw(ctx, draw_id)
    return html(request, "draw.html", {"title": f"双随机抽查公示 · {d['title'] or d['period']}", "d": d, "public": True},
                private=False)
