"""`inspector sync --server URL [--enrol CODE]`: enrol once, push everything pending, pull.

Wired into the `inspector` command by ``register(sub)`` (inspector_app/cli/__init__.py GROUPS).
Exit 0 when every record and evidence file is synced, 1 when something failed or is still
pending (each with its reason), 2 for bad usage.
"""
from __future__ import annotations

import sys

from inspector_app.cli.common import emit, workspace
from inspector_app.domain.messages import InspectorError

from .device import client_for


def register(sub) -> None:
    p = sub.add_parser("sync", help="与县局服务器同步：推送签名记录与证据，拉取目录、企业名录、文书编号与任务")
    p.add_argument("--server", default=None, metavar="URL", help="服务器地址（注册后记住）")
    p.add_argument("--enrol", default=None, metavar="CODE", help="一次性注册码（inspector-server admin enrol-device）")
    p.add_argument("--name", default=None, help="注册时报告的本机名称（默认主机名）")
    p.add_argument("--by", default=None, metavar="CERT", help="用哪位执法人员的口令打开证据库（默认第一位）")
    p.add_argument("--no-pull", action="store_true", help="只推送，不拉取")
    p.add_argument("--status", action="store_true", help="只显示同步队列状态，不联网")
    p.set_defaults(handler=sync_)


def _text(result: dict) -> str:
    lines = []
    r, e = result["records"], result["evidence"]
    lines.append(f"记录：已同步 {r.get('synced', 0)}，待同步 {r.get('pending', 0)}，失败 {r.get('failed', 0)}")
    lines.append(f"证据：已同步 {e.get('synced', 0)}，待同步 {e.get('pending', 0)}，失败 {e.get('failed', 0)}")
    if result.get("pulled"):
        p = result["pulled"]
        lines.append(f"拉取：检查目录 {p.get('catalogues', 0)}，企业 {p.get('enterprises', 0)}，"
                     f"文书编号段 {p.get('numbers', 0)}，检查任务 {p.get('assignments', 0)}")
    for item in result.get("failures", []):
        lines.append(f"  失败 {item['kind']} {item['key'][:16]}…：{item['message_zh']} [{item['reason']}]")
    for item in result.get("pending", []):
        if item.get("reason"):
            lines.append(f"  待同步 {item['kind']} {item['key'][:16]}…：{item['message_zh']} [{item['reason']}]")
    return "\n".join(lines)


def sync_(args) -> int:
    with workspace(args) as ws:
        client = client_for(ws, lambda: ws.unlock(args.by))
        if args.status:
            client.queue.fill()
            items = [i.to_dict() for i in client.queue.items()]
            emit(args, items, lambda: "\n".join(f"{i['kind']:8} {i['key'][:16]}…  {i['state']}  {i['reason'] or ''}"
                                                for i in items) or "（队列为空）")
            return 0
        enrolled = None
        if args.enrol:
            if not args.server:
                print("inspector sync: --enrol 需要 --server URL / --enrol needs --server URL", file=sys.stderr)
                return 2
            enrolled = client.enrol(args.server, args.enrol, name=args.name)
        try:
            summary = client.run(args.server, pull=not args.no_pull)
        except InspectorError as exc:
            result = {"ok": False, "error": {"code": exc.code, "message_zh": exc.text("zh"), "message_en": exc.text("en")},
                      "enrolled": enrolled}
            emit(args, result, f"同步中断：{exc.text('zh')} [{exc.code}]")
            return 1
        result = summary.to_dict()
        if enrolled:
            result["enrolled"] = enrolled
        emit(args, result, lambda: (f"已注册为设备 {enrolled['device_name']}\n" if enrolled else "") + _text(result))
        return 0 if summary.ok else 1
