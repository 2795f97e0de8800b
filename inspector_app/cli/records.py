"""inspector export | verify | audit verify | inspection amend"""
from __future__ import annotations

from pathlib import Path

from ..store import audit_log
from ..store import records as record_store
from .common import emit, workspace


def register(sub) -> None:
    exp = sub.add_parser("export", help="导出签名证据包（记录、签名、公钥、证据原件、更正链）")
    exp.add_argument("ref", metavar="ID", help="检查编号或记录哈希")
    exp.add_argument("-o", "--output", type=Path, required=True)
    exp.add_argument("--by", default=None, metavar="CERT", help="解锁证据库的执法人员")
    exp.set_defaults(handler=export_)
    ver = sub.add_parser("verify", help="离线核验证据包：0 真实，1 不真实，2 不是证据包")
    ver.add_argument("bundle", type=Path)
    ver.set_defaults(handler=verify_)
    aud = sub.add_parser("audit", help="本机审计日志（哈希链）")
    aud_sub = aud.add_subparsers(dest="action", required=True)
    av = aud_sub.add_parser("verify", help="核验审计日志哈希链")
    av.set_defaults(handler=audit_verify)
    al = aud_sub.add_parser("list", help="列出审计日志")
    al.set_defaults(handler=audit_list)
    amend = sub.add_parser("amend", help="更正已签名的记录：新建一份引用原记录的草稿")
    amend.add_argument("ref", metavar="ID")
    amend.add_argument("--reason", required=True, help="更正原因")
    amend.set_defaults(handler=amend_)


def export_(args) -> int:
    with workspace(args) as ws:
        vault = ws.vault(ws.unlock(args.by))
        digest = record_store.export_bundle(ws, args.ref, args.output, vault)
    emit(args, {"record": digest, "path": str(args.output)}, f"已导出证据包 {args.output}（记录 {digest}）")
    return 0


def verify_(args) -> int:
    from ..domain.bundle import verify_bundle

    verdict = verify_bundle(args.bundle)
    if args.json:
        emit(args, verdict.to_dict() if hasattr(verdict, "to_dict") else {
            "genuine": verdict.genuine, "is_bundle": verdict.is_bundle, "record": verdict.record_hash}, "")
    else:
        print(verdict.render("zh"))
        print()
        print(verdict.render("en"))
    return verdict.exit_code


def audit_verify(args) -> int:
    from ..cli import language

    with workspace(args) as ws, ws.store.read() as session:
        problems = audit_log.verify(session)
        count, head = audit_log.head(session)
    data = {"ok": not problems, "entries": count, "head": head, "problems": [p.text(language()) for p in problems]}
    emit(args, data, lambda: (f"审计日志完整：{count} 条，链头 {head}" if not problems
                              else "审计日志有问题：\n" + "\n".join(f"  {p}" for p in data["problems"])))
    return 0 if not problems else 1


def audit_list(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        entries = audit_log.entries(session)
    emit(args, entries, lambda: "\n".join(f"{e['seq']:>5} {e['time']} {e['action']:<8} {e['subject']}" for e in entries))
    return 0


def amend_(args) -> int:
    with workspace(args) as ws:
        row = record_store.amend(ws, args.ref, args.reason)
    emit(args, {"id": row.id, "amends": row.amends}, row.id)
    return 0
