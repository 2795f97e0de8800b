"""Who is asking: the login session from its cookie, roles, and the CSRF check on every form.

* no session, or an expired one → 401 with the login form (and where to come back to);
* a session without the role → 403;
* every POST carries the session's CSRF token in the ``csrf`` field (the login form a
  double-submit token of its own, since there is no session yet) → 403 when it does not match.
"""
from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from ..auth import get_context
from ..context import Context
from ..users import service as users
from ..users.service import SessionInfo

SESSION_COOKIE = "inspector_session"
LOGIN_COOKIE = "inspector_login_csrf"
MAX_FORM = 256 * 1024


class WebError(Exception):
    """An error page: status, a Chinese message, and for 401 where to return after login."""

    def __init__(self, status: int, message: str, *, next_url: str | None = None, title: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.next_url = next_url
        self.title = title


def cookie_flags(request: Request) -> dict:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}


def safe_next(value: str | None) -> str:
    """Only a path on this server (no scheme, no //host) — never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/dashboard"
    return value


def _here(request: Request) -> str:
    return request.url.path + (("?" + request.url.query) if request.url.query else "")


def current(request: Request) -> SessionInfo | None:
    ctx: Context = get_context(request)
    info = users.session_of(ctx, request.cookies.get(SESSION_COOKIE))
    if info is not None:
        request.state.staff = info.user
        request.state.csrf = info.csrf
    return info


def staff(request: Request) -> SessionInfo:
    """Any county staff (supervisor or admin)."""
    info = current(request)
    if info is None:
        expired = bool(request.cookies.get(SESSION_COOKIE))
        raise WebError(401, "登录已过期，请重新登录" if expired else "请先登录", next_url=_here(request))
    return info


def admin(info: SessionInfo = Depends(staff)) -> SessionInfo:
    if not info.user.is_admin:
        raise WebError(403, "此页面仅限管理员使用", title="无权访问")
    return info


async def read_form(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded" and not (ctype == "" and request.headers.get("content-length") in (None, "0")):
        raise WebError(400, "表单格式不正确")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise WebError(413, "表单内容过大")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=2000)
    except (UnicodeDecodeError, ValueError):
        raise WebError(400, "表单格式不正确") from None
    form: dict[str, str] = {}
    for k, v in pairs:
        form.setdefault(k, v)
    return form


def check_csrf(expected: str, got: str | None) -> None:
    if not expected or not got or not hmac.compare_digest(expected.encode(), got.encode()):
        raise WebError(403, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试", title="请求被拒绝")


async def staff_form(request: Request, info: SessionInfo = Depends(staff)) -> tuple[SessionInfo, dict[str, str]]:
    form = await read_form(request)
    check_csrf(info.csrf, form.get("csrf"))
    return info, form


async def admin_form(request: Request, info: SessionInfo = Depends(admin)) -> tuple[SessionInfo, dict[str, str]]:
    form = await read_form(request)
    check_csrf(info.csrf, form.get("csrf"))
    return info, form
