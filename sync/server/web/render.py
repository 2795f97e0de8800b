"""Server-rendered pages: one Jinja2 environment (autoescape on), security headers on every page."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def _qs(values: dict | None = None, **override) -> str:
    merged = {k: v for k, v in (values or {}).items() if v not in (None, "")}
    for k, v in override.items():
        if v in (None, ""):
            merged.pop(k, None)
        else:
            merged[k] = v
    return ("?" + urlencode(merged)) if merged else ""


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _cn(value: str | None, seconds: bool = False) -> str:
    """An ISO time shown in China time: 2026-11-23 16:36 (the server stores UTC)."""
    if not value:
        return "—"
    import datetime as _dt

    try:
        t = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if t.tzinfo is not None:
        t = t.astimezone(_dt.timezone(_dt.timedelta(hours=8)))
    return t.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _short(value: str | None, n: int = 12) -> str:
    return (value or "")[:n]


ENV = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html", "svg"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.globals.update(qs=_qs)
ENV.filters.update(pct=_pct, short=_short, cn=_cn)


def html(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         headers: dict[str, str] | None = None, private: bool = True) -> HTMLResponse:
    ctx = {"request": request, "user": getattr(request.state, "staff", None),
           "csrf": getattr(request.state, "csrf", ""), "title": "", "nav": "", "public": False, "tab": ""}
    ctx.update(context or {})
    body = ENV.get_template(template).render(**ctx)
    out = dict(SECURITY_HEADERS)
    out["Cache-Control"] = "no-store" if private else "public, max-age=60"
    out.update(headers or {})
    return HTMLResponse(body, status_code=status, headers=out)


def safe_svg(svg: str) -> Markup:
    """SVG built by charts.py / qrsvg.py, which escape every text they embed."""
    return Markup(svg)
