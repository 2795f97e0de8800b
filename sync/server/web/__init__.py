"""The county server's web pages (Chinese): the supervisors' dashboard and lists, enterprise files
(一企一档), inspection pages with evidence players and documents, the public check of a paper
document (/v/<hash>), the public random draw, and the admin pages.

Mounted on the API app by ``install(app, ctx)`` (idempotent). Server-rendered with Jinja2
(autoescape), no CDN and no network resource: CSS and a little JS are served from ./static, charts
are SVG made on the server. See docs/supervisor.md.
"""
from __future__ import annotations

import logging
import threading

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from ..context import Context
from .render import HERE, html
from .session import WebError

log = logging.getLogger("inspector.server.web")


async def _web_error(request: Request, exc: WebError):
    if exc.status == 401:
        from .routes_pages import login_page

        return login_page(request, message=exc.message, next_url=exc.next_url, status=401)
    titles = {400: "请求有误", 403: "无权访问", 404: "未找到", 409: "操作冲突", 413: "内容过大", 416: "范围无效"}
    return html(request, "error.html", {"title": exc.title or titles.get(exc.status, "出错了"), "message": exc.message,
                                        "status": exc.status}, status=exc.status)


def _catch_up(ctx: Context) -> None:
    from ..dashboard import index, service

    try:
        n = index.catch_up(ctx)
        service.refresh_registry(ctx)
        if n:
            log.info("dashboard: indexed %d stored records", n)
    except Exception:  # pragma: no cover - logged; the pages still work on what is indexed
        log.exception("dashboard catch-up failed")


def install(app: FastAPI, ctx: Context) -> FastAPI:
    if getattr(app.state, "web_installed", False):
        return app
    app.state.web_installed = True
    from . import (
        routes_admin,
        routes_draws,
        routes_pages,
        routes_public,
        routes_records,
    )

    for module in (routes_public, routes_pages, routes_records, routes_draws, routes_admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_exception_handler(WebError, _web_error)
    threading.Thread(target=_catch_up, args=(ctx,), name="dashboard-catch-up", daemon=True).start()
    return app
