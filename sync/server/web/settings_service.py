"""Settings kept by the web pages (table web_settings): the county's document settings, so the
server can re-render documents, and the dashboard's annual limits."""
from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select

from inspector_app.documents.settings import LABELS, REQUIRED, CountySettings
from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from .models import WebSetting

BAD_LIMIT = define("web.bad_limit", "“{name}”应为 {low} 至 {high} 的整数", "\"{name}\" must be an integer from {low} to {high}")

COUNTY_FIELDS = [f.name for f in fields(CountySettings)]
DASHBOARD_DEFAULTS = {"annual_target": 1, "annual_cap": 2}
DASHBOARD_LABELS = {"annual_target": "每家企业每年计划检查次数", "annual_cap": "每家企业每年检查次数上限"}


def _all(ctx: Context) -> dict[str, str]:
    with ctx.db.read() as s:
        return {r.key: r.value for r in s.scalars(select(WebSetting))}


def county(ctx: Context) -> CountySettings:
    values = _all(ctx)
    kw = {k: values.get(f"county.{k}", "") for k in COUNTY_FIELDS}
    kw["server_url"] = kw["server_url"] or None
    return CountySettings(**kw)


def county_complete(settings: CountySettings) -> bool:
    return all(getattr(settings, k).strip() for k in REQUIRED)


def limits(ctx: Context) -> dict[str, int]:
    values = _all(ctx)
    out = {}
    for k, default in DASHBOARD_DEFAULTS.items():
        try:
            out[k] = int(values.get(f"dashboard.{k}", default))
        except ValueError:
            out[k] = default
    return out


def save(ctx: Context, form: dict[str, str], *, by: str) -> None:
    updates: dict[str, str] = {}
    for k in COUNTY_FIELDS:
        if k in form:
            value = form[k].strip()[:300]
            if k == "server_url" and value and not value.lower().startswith(("https://", "http://")):
                from inspector_app.documents.settings import BAD_SETTING

                raise InspectorError(BAD_SETTING, setting=LABELS["server_url"], field="server_url",
                                     reason=f"应以 https:// 开头：{value}")
            updates[f"county.{k}"] = value.rstrip("/") if k == "server_url" else value
    for k in DASHBOARD_DEFAULTS:
        if k in form:
            try:
                value = int(form[k])
            except ValueError:
                value = -1
            if not 1 <= value <= 12:
                raise InspectorError(BAD_LIMIT, exit_code=2, name=DASHBOARD_LABELS[k], low=1, high=12)
            updates[f"dashboard.{k}"] = str(value)
    now = clock.now_iso()
    with ctx.db.write() as s:
        for key, value in updates.items():
            row = s.get(WebSetting, key)
            if row is None:
                s.add(WebSetting(key=key, value=value, updated_at=now, updated_by=by))
            else:
                row.value, row.updated_at, row.updated_by = value, now, by


def labels() -> dict[str, str]:
    return dict(LABELS)
