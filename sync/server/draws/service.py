"""Draws on the server: freeze the pools and publish their hashes (the commitment), then enter the
seed fixed in advance and publish the result. The drawing itself is inspector_app/domain/draw.py,
so anyone can re-run it with `inspector draw verify` (docs/draw.md)."""
from __future__ import annotations

import re

from sqlalchemy import select

from inspector_app.domain import draw as algorithm
from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from ..inspectors.models import Inspector, InspectorKey
from .models import Draw

BAD_CONFLICT = define("draws.bad_conflict", "回避关系第 {line} 行“{text}”无效：应为“执法证号,统一社会信用代码”",
                      "Conflict line {line} \"{text}\" is invalid: expected \"certificate,credit code\"")
NOT_FOUND = define("draws.not_found", "没有编号为 {id} 的抽查", "There is no draw {id}")
ALREADY_DRAWN = define("draws.already_drawn", "抽查 {id} 已经抽取，结果不可更改", "Draw {id} was drawn already; its result cannot change")
EMPTY_POOL = define("draws.empty_pool", "{what}为空，无法抽查", "The {what} is empty; nothing to draw")


def inspector_pool(ctx: Context) -> list[dict]:
    """Registered inspectors who still hold a valid key (revoked ones are out of the pool)."""
    with ctx.db.read() as s:
        active = set(s.scalars(select(InspectorKey.cert).distinct()))
        return [{"cert": i.cert, "name": i.name} for i in s.scalars(select(Inspector).order_by(Inspector.cert))
                if i.cert in active]


def parse_conflicts(text: str) -> list[dict]:
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p for p in re.split(r"[,，\s\t]+", line) if p]
        if len(parts) != 2:
            raise InspectorError(BAD_CONFLICT, exit_code=2, line=n, text=line[:80])
        out.append({"cert": parts[0], "enterprise": parts[1]})
    return out


def _row(d: Draw) -> dict:
    return {"id": d.id, "title": d.title, "period": d.period, "state": d.state, "seed_source": d.seed_source,
            "commitment": d.commitment, "published": d.published, "created_at": d.created_at,
            "created_by": d.created_by, "drawn_at": d.drawn_at, "drawn_by": d.drawn_by,
            "previous_draw": d.previous_draw, "inputs": d.inputs}


def create(ctx: Context, *, by: str, title: str, period: str, seed_source: str, team_size: int, sample: dict,
           conflicts: str = "", previous_draw: int | None = None) -> dict:
    from ..dashboard.service import pool_enterprises

    enterprises = pool_enterprises(ctx)
    inspectors = inspector_pool(ctx)
    if not enterprises:
        raise InspectorError(EMPTY_POOL, exit_code=1, what="企业名录")
    if len(inspectors) < algorithm.MIN_TEAM:
        raise InspectorError(EMPTY_POOL, exit_code=1, what="执法人员名录")
    previous = []
    if previous_draw:
        before = get(ctx, previous_draw)
        if before["published"]:
            previous = algorithm.teams(before["published"])
    raw = {"title": title, "period": period, "seed": "-", "enterprises": enterprises, "inspectors": inspectors,
           "previous": previous, "conflicts": parse_conflicts(conflicts), "team_size": team_size, "sample": sample}
    inputs = algorithm.normalise_inputs(raw)
    commitment = algorithm.commitment(inputs)
    inputs.pop("seed")
    with ctx.db.write() as s:
        row = Draw(title=title, period=period, state="committed", seed_source=seed_source, inputs=inputs,
                   commitment=commitment, published=None, previous_draw=previous_draw or None,
                   created_at=clock.now_iso(), created_by=by)
        s.add(row)
        s.flush()
        return _row(row)


def enter_seed(ctx: Context, draw_id: int, seed: str, *, by: str) -> dict:
    with ctx.db.write() as s:
        row = s.get(Draw, draw_id, with_for_update=True)
        if row is None:
            raise InspectorError(NOT_FOUND, exit_code=2, id=draw_id)
        if row.state != "committed":
            raise InspectorError(ALREADY_DRAWN, exit_code=1, id=draw_id)
        published = algorithm.publish(dict(row.inputs, seed=seed))
        row.published, row.state, row.drawn_at, row.drawn_by = published, "drawn", clock.now_iso(), by
        return _row(row)


def get(ctx: Context, draw_id: int) -> dict:
    with ctx.db.read() as s:
        row = s.get(Draw, draw_id)
        if row is None:
            raise InspectorError(NOT_FOUND, exit_code=2, id=draw_id)
        return _row(row)


def find(ctx: Context, draw_id: int) -> dict | None:
    with ctx.db.read() as s:
        row = s.get(Draw, draw_id)
        return _row(row) if row is not None else None


def all_draws(ctx: Context) -> list[dict]:
    with ctx.db.read() as s:
        return [{"id": d.id, "title": d.title, "period": d.period, "state": d.state, "created_at": d.created_at,
                 "drawn_at": d.drawn_at, "counts": (d.published or {}).get("result", {}).get("counts")}
                for d in s.scalars(select(Draw).order_by(Draw.id.desc()))]


def public_file(d: dict) -> dict:
    """What is downloadable: the published draw, or before the seed the commitment and the pools."""
    if d["published"]:
        return d["published"]
    return {"format": algorithm.FORMAT, "state": "committed", "seed_source": d["seed_source"],
            "inputs": d["inputs"], "commitment": d["commitment"]}


def workbook(d: dict, path) -> None:
    """The published draw as .xlsx: the result lists and a sheet with the inputs' hashes."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    pub = d["published"]
    for kind, title in (("key", "重点企业（全覆盖）"), ("sampled", "一般企业（随机抽取）")):
        ws = wb.create_sheet(title)
        ws.append(["序号", "统一社会信用代码", "企业名称", "乡镇（街道）", "执法人员证号", "执法人员", "与上次相同（无法避免）"])
        for n, t in enumerate(pub["result"][kind] if pub else [], 1):
            ws.append([n, t["enterprise"], t["name"], t["township"], "、".join(t["inspectors"]),
                       "、".join(t["inspector_names"]), "、".join(t["repeated"])])
    ws = wb.create_sheet("输入与哈希")
    ws.append(["项目", "值"])
    ws.append(["标题", d["title"]])
    ws.append(["期间", d["period"]])
    ws.append(["种子来源", d["seed_source"]])
    ws.append(["种子", (pub or {}).get("inputs", {}).get("seed", "（尚未公布）")])
    for k, v in (pub["hashes"] if pub else d["commitment"]).items():
        ws.append([f"sha256（{k}）", v])
    ws.append(["算法", "inspector.draw/1（见 docs/draw.md；inspector draw verify 可离线核验）"])
    wb.save(path)
