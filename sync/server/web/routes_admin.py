"""Admin pages: devices (enrol with a one-time code and its QR, revoke, sync state), inspectors (add,
revoke), document-number blocks, staff users, county settings, and re-verifying the blob store."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse

from inspector_app.domain.numbering import PREFIXES

from ..auth import get_context
from ..context import Context
from ..users import service as users
from ..users.service import SessionInfo
from . import admin_service as admin_ops
from . import settings_service
from .qrsvg import qr_svg
from .render import html, safe_svg
from .routes_pages import guard
from .session import WebError, admin, admin_form

router = APIRouter(include_in_schema=False, prefix="/admin")


def _int_id(value: str, what: str) -> int:
    if not value.isdecimal() or len(value) > 9:
        raise WebError(404, f"没有这个{what}")
    return int(value)


@router.get("")
def admin_home(request: Request, info: SessionInfo = Depends(admin)):
    return RedirectResponse("/admin/devices", status_code=303)


# --- devices --------------------------------------------------------------------------------------
@router.get("/devices")
def devices_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    return html(request, "admin_devices.html", {"title": "设备管理", "nav": "admin", "tab": "devices",
                                                "devices": admin_ops.device_rows(ctx)})


@router.post("/devices/enrol")
def enrol_device(request: Request, posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    ttl = form.get("ttl_hours", "24")
    if not ttl.isdecimal():
        raise WebError(400, "有效期应为整数（小时）")
    out = guard(admin_ops.enrol, ctx, form.get("name", ""), int(ttl))
    import datetime as _dt

    from .render import _cn

    out["expires_cn"] = _cn(_dt.datetime.fromtimestamp(out["expires_epoch"], _dt.UTC).isoformat())
    return html(request, "admin_enrolled.html", {"title": "设备注册码", "nav": "admin", "tab": "devices", "out": out,
                                                 "qr": safe_svg(qr_svg(out["code"], label="注册码二维码"))})


@router.get("/devices/{device_id}")
def device_page(device_id: str, request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    d = admin_ops.device_detail(ctx, _int_id(device_id, "设备"))
    if d is None:
        raise WebError(404, "没有这个设备")
    return html(request, "admin_device.html", {"title": f"设备 {d['name']}", "nav": "admin", "tab": "devices", "d": d})


@router.post("/devices/{device_id}/revoke")
def revoke_device(device_id: str, posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    pk = _int_id(device_id, "设备")
    guard(admin_ops.revoke_device, ctx, pk)
    return RedirectResponse(f"/admin/devices/{pk}", status_code=303)


# --- inspectors -----------------------------------------------------------------------------------
@router.get("/inspectors")
def inspectors_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    return html(request, "admin_inspectors.html", {"title": "执法人员", "nav": "admin", "tab": "inspectors",
                                                   "inspectors": admin_ops.inspector_rows(ctx),
                                                   "devices": admin_ops.device_rows(ctx)})


@router.post("/inspectors")
def add_inspector(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    guard(admin_ops.add_inspector, ctx, form.get("name", ""), form.get("cert", ""), form.get("public_key", ""),
          form.get("device", ""))
    return RedirectResponse("/admin/inspectors", status_code=303)


@router.post("/inspectors/revoke")
def revoke_inspector(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    guard(admin_ops.revoke_inspector, ctx, form.get("cert", "")[:64], by=info.user.name)
    return RedirectResponse("/admin/inspectors", status_code=303)


# --- document numbers -----------------------------------------------------------------------------
@router.get("/numbers")
def numbers_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    from ..dashboard.service import today

    return html(request, "admin_numbers.html", {"title": "文书编号段", "nav": "admin", "tab": "numbers",
                                                "blocks": admin_ops.number_blocks(ctx), "prefixes": PREFIXES,
                                                "devices": [d for d in admin_ops.device_rows(ctx) if d["status"] != "revoked"],
                                                "year": today().year})


@router.post("/numbers")
def allocate_numbers(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    device = form.get("device", "")
    if not device.isdecimal():
        raise WebError(400, "请选择设备")
    guard(admin_ops.allocate, ctx, int(device), form.get("prefix", ""), form.get("year", ""), form.get("count", ""))
    return RedirectResponse("/admin/numbers", status_code=303)


# --- users ----------------------------------------------------------------------------------------
@router.get("/users")
def users_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    return html(request, "admin_users.html", {"title": "网页用户", "nav": "admin", "tab": "users",
                                              "users": users.all_users(ctx), "roles": users.ROLE_NAMES})


@router.post("/users")
def add_user(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    guard(users.add_user, ctx, form.get("name", "").strip(), form.get("role", ""), form.get("password", ""))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/disable")
def disable_user(user_id: str, posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    pk = _int_id(user_id, "用户")
    if pk == info.user.id:
        raise WebError(400, "不能停用自己的账号")
    guard(users.disable_user, ctx, pk)
    return RedirectResponse("/admin/users", status_code=303)


# --- settings -------------------------------------------------------------------------------------
@router.get("/settings")
def settings_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    county = settings_service.county(ctx)
    return html(request, "admin_settings.html", {
        "title": "设置", "nav": "admin", "tab": "settings", "labels": settings_service.labels(),
        "fields": settings_service.COUNTY_FIELDS, "county": county, "limits": settings_service.limits(ctx),
        "limit_labels": settings_service.DASHBOARD_LABELS, "base_url": str(request.base_url).rstrip("/")})


@router.post("/settings")
def save_settings(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    guard(settings_service.save, ctx, form, by=info.user.name)
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


# --- blob store re-verification --------------------------------------------------------------------
@router.get("/reverify")
def reverify_page(request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    return html(request, "admin_reverify.html", {"title": "证据完整性核验", "nav": "admin", "tab": "reverify",
                                                 "jobs": admin_ops.jobs(ctx)})


@router.post("/reverify")
def start_reverify(posted=Depends(admin_form), ctx: Context = Depends(get_context)):
    info, form = posted
    job_id = admin_ops.start_reverify(ctx, by=info.user.name)
    return RedirectResponse(f"/admin/reverify/{job_id}", status_code=303)


@router.get("/reverify/{job_id}")
def reverify_job(job_id: str, request: Request, info: SessionInfo = Depends(admin), ctx: Context = Depends(get_context)):
    job = admin_ops.job(ctx, _int_id(job_id, "核验任务"))
    if job is None:
        raise WebError(404, "没有这个核验任务")
    if request.query_params.get("format") == "json":
        return JSONResponse({k: job[k] for k in ("id", "state", "done", "total", "result", "finished_at")},
                            headers={"Cache-Control": "no-store"})
    return html(request, "admin_reverify.html", {"title": "证据完整性核验", "nav": "admin", "tab": "reverify",
                                                 "jobs": admin_ops.jobs(ctx), "job": job})
