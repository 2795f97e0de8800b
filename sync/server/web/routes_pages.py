"""Login, logout, the dashboard, the lists behind its figures and their exports."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from inspector_app.domain.messages import InspectorError

from ..auth import get_context
from ..context import Context
from ..dashboard import service as dash
from ..users import service as users
from ..users.service import SessionInfo
from . import charts, export
from .render import html, safe_svg
from .session import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    WebError,
    check_csrf,
    cookie_flags,
    current,
    read_form,
    safe_next,
    staff,
    staff_form,
)
from .settings_service import limits

router = APIRouter(include_in_schema=False)


def guard(fn, *args, **kw):
    """Run a service call; a person's error (InspectorError) becomes a 400 page in Chinese."""
    try:
        return fn(*args, **kw)
    except InspectorError as exc:
        last = exc.code.rsplit(".", 1)[-1]
        status = 404 if ("not_found" in last or last.startswith("unknown")) else 400
        raise WebError(status, exc.text("zh")) from None


# --- login ----------------------------------------------------------------------------------------
def login_page(request: Request, *, message: str = "", next_url: str | None = None, status: int = 200, name: str = ""):
    token = secrets.token_urlsafe(32)
    response = html(request, "login.html", {"title": "登录", "message": message, "next": safe_next(next_url),
                                            "login_csrf": token, "name": name}, status=status)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **cookie_flags(request))
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/dashboard"):
    if current(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next_url=next)


@router.post("/login")
async def login_submit(request: Request, ctx: Context = Depends(get_context)):
    form = await read_form(request)
    check_csrf(request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf"))
    name, password = form.get("name", "").strip()[:100], form.get("password", "")[:1000]
    from starlette.concurrency import run_in_threadpool

    try:
        token, _info = await run_in_threadpool(users.login, ctx, name, password)
    except InspectorError as exc:
        return login_page(request, message=exc.text("zh"), next_url=form.get("next"), status=401, name=name)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **cookie_flags(request))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, posted=Depends(staff_form), ctx: Context = Depends(get_context)):
    users.logout(ctx, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request):
    return RedirectResponse("/dashboard" if current(request) else "/login", status_code=303)


# --- dashboard ------------------------------------------------------------------------------------
def _year(request: Request) -> int:
    f = guard(dash.parse_filters, dict(request.query_params), ("year",))
    return f.get("year") or dash.today().year


def _link(name: str, **filters) -> str:
    from .render import _qs

    return f"/lists/{name}" + _qs(None, **filters)


@router.get("/dashboard")
def dashboard(request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    year = _year(request)
    lim = limits(ctx)
    data = dash.summary(ctx, year, cap=lim["annual_cap"], target=lim["annual_target"])
    months = [f"{m}月" for m in range(1, 13)]
    f = data["findings"]
    found_closed = charts.grouped_bars(
        f"{year}年隐患发现与整改（按月）", months,
        [charts.Series("发现", "found", [n for _, n in f["found_by_month"]],
                       [_link("findings", year=year, month=m) for m in range(1, 13)]),
         charts.Series("整改完成", "closed", [n for _, n in f["closed_by_month"]],
                       [_link("findings", closed_year=year, closed_month=m) for m in range(1, 13)])])
    r = data["rectification"]
    ontime = charts.stacked_bar(
        f"{year}年到期隐患的整改情况", [
            ("按期整改", "ontime", r["ontime"], _link("findings", due_year=year, status="ontime")),
            ("逾期后整改", "closedlate", r["closedlate"], _link("findings", due_year=year, status="closedlate")),
            ("逾期未整改", "overdue", r["dueopen"], _link("findings", due_year=year, status="overdue"))])
    c = data["coverage"]
    coverage = charts.coverage_bars(
        f"{year}年“两重点一重大”企业检查覆盖（按乡镇）",
        [(label, n, covered, _link("coverage", year=year, township=raw if raw is not None else ""))
         for label, raw, n, covered in c["by_township"]])
    inspections_chart = charts.grouped_bars(
        f"{year}年检查次数（按月）", months,
        [charts.Series("检查", "inspections", [n for _, n in data["inspections"]["by_month"]],
                       [_link("inspections", year=year, month=m) for m in range(1, 13)])], height=220)
    return html(request, "dashboard.html", {
        "title": f"{year}年 监管概览", "nav": "dashboard", "d": data, "year": year, "link": _link,
        "chart_found": safe_svg(found_closed), "chart_ontime": safe_svg(ontime), "chart_coverage": safe_svg(coverage),
        "chart_inspections": safe_svg(inspections_chart), "years": list(range(dash.today().year, dash.today().year - 6, -1)),
    })


# --- lists and exports ----------------------------------------------------------------------------
@router.get("/lists/{name}")
def list_page(name: str, request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    spec = guard(dash.spec, name)
    f = guard(dash.parse_filters, dict(request.query_params), spec.filters)
    lim = limits(ctx)
    data = guard(dash.page, ctx, name, f, cap=lim["annual_cap"])
    title = spec.title + (f"（超过每年 {lim['annual_cap']} 次）" if name == "overcap" else "")
    return html(request, "list.html", {"title": title, "nav": "lists", "data": data, "spec": spec,
                                       "described": dash.describe_filters(f), "query": f.query(page=None),
                                       "name": name})


@router.get("/lists/{name}/export")
def list_export(name: str, request: Request, info: SessionInfo = Depends(staff), ctx: Context = Depends(get_context)):
    spec = guard(dash.spec, name)
    params = dict(request.query_params)
    fmt = params.pop("format", "")
    if fmt not in export.FORMATS:
        raise WebError(400, f"导出格式“{fmt[:20]}”无效：可选 xlsx（Excel）或 csv")
    f = guard(dash.parse_filters, params, spec.filters)
    lim = limits(ctx)
    rows = dash.iter_rows(ctx, name, f, cap=lim["annual_cap"])
    described = dash.describe_filters(f)
    stamp = dash.today().isoformat()
    filename = f"{spec.title}{'（' + '，'.join(described) + '）' if described else ''}-{stamp}.{fmt}"
    ascii_name = f"{name}-{stamp}.{fmt}"
    if fmt == "csv":
        return export.csv_response(spec.columns, rows, filename, ascii_name)
    notes = [spec.title, *described, f"导出时间：{stamp}", f"导出人：{info.user.name}"]
    return export.xlsx_response(spec.title, spec.columns, rows, filename, ascii_name, notes)
