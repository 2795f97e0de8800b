"""The staff's draw pages: freeze the pools (publish their hashes), then enter the seed."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ..auth import get_context
from ..context import Context
from ..draws import service as draws
from ..users.service import SessionInfo
from .render import html
from .routes_pages import guard
from .session import WebError, staff, staff_form

router = APIRouter(include_in_schema=False)


@router.get("/draws")
def draws_page(request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    return html(request, "draws.html", {"title": "双随机抽查", "nav": "draws", "draws": draws.all_draws(ctx),
                                        "inspectors": len(draws.inspector_pool(ctx))})


def _sample(form: dict[str, str]) -> dict:
    mode, value = form.get("sample_mode", ""), form.get("sample_value", "").strip()
    if mode == "count":
        if not value.isdecimal():
            raise WebError(400, "抽取家数应为整数")
        return {"count": int(value)}
    if mode == "rate":
        try:
            pct = float(value)
        except ValueError:
            raise WebError(400, "抽取比例应为 0 至 100 之间的数（百分比）") from None
        if not 0 <= pct <= 100:
            raise WebError(400, "抽取比例应为 0 至 100 之间的数（百分比）")
        from decimal import Decimal

        rate = (Decimal(value) / 100).normalize()
        return {"rate": format(rate, "f")}
    raise WebError(400, "请选择按比例或按家数抽取")


@router.post("/draws")
def create_draw(posted=Depends(staff_form), ctx: Context = Depends(get_context)):
    info, form = posted
    team = form.get("team_size", "2")
    if not team.isdecimal():
        raise WebError(400, "每组人数应为整数")
    previous = form.get("previous_draw", "")
    d = guard(draws.create, ctx, by=info.user.name, title=form.get("title", "").strip()[:200],
              period=form.get("period", "").strip()[:100], seed_source=form.get("seed_source", "").strip()[:500],
              team_size=int(team), sample=_sample(form), conflicts=form.get("conflicts", "")[:100_000],
              previous_draw=int(previous) if previous.isdecimal() else None)
    return RedirectResponse(f"/draws/{d['id']}", status_code=303)


def _get(ctx: Context, draw_id: str) -> dict:
    d = draws.find(ctx, int(draw_id)) if draw_id.isdecimal() and len(draw_id) < 10 else None
    if d is None:
        raise WebError(404, "没有这次抽查")
    return d


@router.get("/draws/{draw_id}")
def draw_page(draw_id: str, request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    d = _get(ctx, draw_id)
    return html(request, "draw.html", {"title": f"双随机抽查 · {d['title'] or d['period']}", "nav": "draws", "d": d,
                                       "public": False})


@router.post("/draws/{draw_id}/seed")
def enter_seed(draw_id: str, posted=Depends(staff_form), ctx: Context = Depends(get_context)):
    info, form = posted
    d = _get(ctx, draw_id)
    seed = form.get("seed", "").strip()
    if not seed or len(seed) > 500:
        raise WebError(400, "请填写种子（如公开的开奖号码），不超过 500 个字符")
    guard(draws.enter_seed, ctx, d["id"], seed, by=info.user.name)
    return RedirectResponse(f"/draws/{d['id']}", status_code=303)
