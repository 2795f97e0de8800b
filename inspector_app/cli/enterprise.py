"""inspector enterprise list | show CODE | add …"""
from __future__ import annotations

from dataclasses import asdict

from ..domain.enterprise import KINDS, Enterprise, MajorHazardSource
from ..store import enterprises, inspections
from .common import emit, table, workspace


def register(sub) -> None:
    p = sub.add_parser("enterprise", help="企业（一企一档）")
    s = p.add_subparsers(dest="action", required=True)
    ls = s.add_parser("list", help="列出或搜索企业")
    ls.add_argument("--query", "-q", default="", help="按名称、代码、地址搜索")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(handler=list_)
    show = s.add_parser("show", help="一家企业的档案：概况、许可、重大危险源、检查和隐患历史")
    show.add_argument("code")
    show.set_defaults(handler=show_)
    add = s.add_parser("add", help="登记企业")
    add.add_argument("--code", required=True, help="统一社会信用代码")
    add.add_argument("--name", required=True)
    add.add_argument("--address", required=True)
    add.add_argument("--kind", required=True, help="企业类型：" + ", ".join(f"{k}（{v}）" for k, v in KINDS.items()))
    add.add_argument("--industry", default="")
    add.add_argument("--township", default="")
    add.add_argument("--legal-representative", default="")
    add.add_argument("--contact-name", default="")
    add.add_argument("--contact-phone", default="")
    add.add_argument("--major-hazard", action="append", default=[], metavar="NAME:GRADE", help="重大危险源，如 液氯罐区:二级")
    add.add_argument("--key-process", action="append", default=[])
    add.add_argument("--key-chemical", action="append", default=[])
    add.add_argument("--replace", action="store_true", help="已登记时更新")
    add.set_defaults(handler=add_)


def _summary(e: Enterprise) -> dict:
    data = asdict(e)
    data["kind_label"] = KINDS.get(e.kind, e.kind)
    data["two_key_one_major"] = e.profile().is_key
    return data


def list_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        found = enterprises.search(session, args.query, args.limit)
        emit(args, [_summary(e) for e in found],
             lambda: table([[e.code, KINDS.get(e.kind, e.kind), e.name] for e in found]) or "（无匹配企业）")
    return 0


def show_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        e = enterprises.get(session, args.code)
        history = []
        for row in inspections.list_rows(session, e.code):
            v = inspections.view(session, row.id)
            history.append({
                "inspection": row.id, "status": row.status, "started_at": row.started_at,
                "findings": [{"id": f.id, "item": f.item_id, "grade": f.grade, "deadline": f.deadline,
                              "repeat_offence": f.repeat_offence, "self_reported": f.self_reported,
                              "description": f.description} for f in v.findings],
            })
        data = _summary(e) | {"history": history}

        def text() -> str:
            lines = [f"{e.name}（{e.code}）", f"地址：{e.address}", f"类型：{KINDS.get(e.kind, e.kind)}  行业：{e.industry}",
                     f"法定代表人：{e.legal_representative}  联系人：{e.contact_name} {e.contact_phone}"]
            for lic in e.licences:
                lines.append(f"许可：{lic.get('kind')} {lic.get('number')} 有效期至 {lic.get('valid_until')}")
            for m in e.major_hazard_sources:
                lines.append(f"重大危险源：{m.name}（{m.grade}）")
            if e.key_processes:
                lines.append("重点监管危险化工工艺：" + "、".join(e.key_processes))
            if e.key_chemicals:
                lines.append("重点监管危险化学品：" + "、".join(e.key_chemicals))
            lines.append(f"检查记录：{len(history)} 次")
            for h in history:
                lines.append(f"  {h['started_at'][:10]} {h['inspection'][:8]} {h['status']} 隐患 {len(h['findings'])} 项")
                for f in h["findings"]:
                    mark = " 【屡查屡犯】" if f["repeat_offence"] else ""
                    lines.append(f"    - {f['item']} {f['description']}{mark}")
            return "\n".join(lines)

        emit(args, data, text)
    return 0


def add_(args) -> int:
    sources = []
    for spec in args.major_hazard:
        name, _, grade = spec.partition(":")
        sources.append(MajorHazardSource(name=name, grade=grade))
    enterprise = Enterprise(
        code=args.code, name=args.name, address=args.address, kind=args.kind, industry=args.industry,
        township=args.township, legal_representative=args.legal_representative,
        contact_name=args.contact_name, contact_phone=args.contact_phone,
        major_hazard_sources=sources, key_processes=args.key_process, key_chemicals=args.key_chemical,
    )
    with workspace(args) as ws, ws.store.write() as session:
        saved = enterprises.add(session, enterprise, replace=args.replace)
        ws.audit(session, "edit", f"enterprise:{saved.code}", {"op": "add" if not args.replace else "replace"})
    emit(args, _summary(saved), f"已登记：{saved.name}（{saved.code}）")
    return 0
