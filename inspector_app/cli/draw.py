"""inspector draw run | verify | hash — the reproducible random draw (双随机、一公开), offline.

    inspector draw verify draw.json        exit 0 when the published result re-computes, 1 when not
    inspector draw run inputs.json -o draw.json
    inspector draw hash inputs.json        the pools' hashes (what a county publishes before the seed)

The algorithm is inspector_app/domain/draw.py, described in docs/draw.md.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..domain import draw
from ..domain.messages import InspectorError, define
from .common import emit

UNREADABLE = define(
    "draw.unreadable",
    "无法读取文件 {path}：{reason}",
    "Cannot read {path}: {reason}",
)
VERIFIED = define(
    "draw.verified",
    "抽查结果核验一致：按公示的输入（企业名录 {enterprises}…，执法人员名录 {inspectors}…，种子 {seed}）重算，结果完全相同",
    "The draw verifies: re-computed from the published inputs (enterprises {enterprises}…, inspectors {inspectors}…, "
    "seed {seed}) the result is identical",
)


def register(sub) -> None:
    p = sub.add_parser("draw", help="双随机抽查：按公示的输入重算并核验抽查结果（离线）")
    s = p.add_subparsers(dest="action", required=True)
    v = s.add_parser("verify", help="核验公示的抽查文件（一致退出码 0，不一致 1 并指出第一处差异）")
    v.add_argument("file", type=Path, help="公示的抽查文件（JSON，inspector.draw/1）")
    v.set_defaults(handler=verify_)
    r = s.add_parser("run", help="按输入文件抽查，写出公示文件")
    r.add_argument("inputs", type=Path, help="输入（JSON：period, seed, enterprises, inspectors, previous, conflicts, "
                                              "team_size, sample）")
    r.add_argument("-o", "--output", type=Path, default=None, help="写出的公示文件（默认打印）")
    r.set_defaults(handler=run_)
    h = s.add_parser("hash", help="计算企业名录、执法人员名录等的规范哈希（公示种子之前发布）")
    h.add_argument("inputs", type=Path)
    h.set_defaults(handler=hash_)


def _load(path: Path):
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InspectorError(UNREADABLE, exit_code=2, path=str(path), reason=str(exc)) from None


def _json_flag(args) -> bool:
    return bool(getattr(args, "json", False))


def verify_(args) -> int:
    published = _load(args.file)
    out = draw.verify(published)
    if out["ok"]:
        h = out["hashes"]
        text = InspectorError(VERIFIED, enterprises=h["enterprises"][:12], inspectors=h["inspectors"][:12],
                              seed=published["inputs"]["seed"]).text("zh")
        emit(args, {"ok": True, "hashes": h}, text)
        return 0
    error = out["error"]
    if _json_flag(args):
        emit(args, {"ok": False, "difference": out["difference"], "message": error.text("zh")}, "")
    else:
        print(error.text("zh"), file=sys.stderr)
    return 1


def run_(args) -> int:
    published = draw.publish(_load(args.inputs))
    text = json.dumps(published, ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(text + "\n", "utf-8")
        r = published["result"]["counts"]
        emit(args, {"file": str(args.output), "hashes": published["hashes"], "counts": r},
             f"已写出 {args.output}：重点企业 {r['key']} 家全覆盖，一般企业 {r['ordinary']} 家中抽取 {r['sampled']} 家")
    else:
        print(text)
    return 0


def hash_(args) -> int:
    raw = _load(args.inputs)
    if isinstance(raw, dict) and "inputs" in raw and "format" in raw:
        raw = raw["inputs"]
    has_seed = isinstance(raw, dict) and bool(raw.get("seed"))
    inputs = draw.normalise_inputs(dict(raw, seed=raw.get("seed") or "-") if isinstance(raw, dict) else raw)
    hashes = draw.input_hashes(inputs)
    if not has_seed:
        hashes.pop("inputs")  # the hash of all inputs needs the seed
    emit(args, hashes, "\n".join(f"{k}  {v}" for k, v in hashes.items()))
    return 0
