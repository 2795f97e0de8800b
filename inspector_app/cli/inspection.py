"""inspector inspection new | result | sign | list | show, and inspector finding add."""
from __future__ import annotations

from ..domain.inspection import GRADE_LABELS, RESULT_LABELS
from ..domain.catalogue import UNKNOWN_CATALOGUE
from ..domain.messages import InspectorError
from ..store import evidence as evidence_store
from ..store import inspections, reviews
from .common import emit, table, workspace


def register(sub) -> None:
    p = sub.add_parser("inspection", help="现场检查")
    s = p.add_subparsers(dest="action", required=True)
    new = s.add_parser("new", help="新建检查，打印其编号")
    new.add_argument("--enterprise", required=True, help="统一社会信用代码")
    new.add_argument("--inspectors", required=True, help="执法证号，逗号分隔，至少两名")
    new.add_argument("--catalogue", action="append", default=[], metavar="ID[@VERSION]",
                     help="检查目录（可多次；默认：全部目录的最新版本）")
    new.add_argument("--place", default="", help="检查场所（默认：企业地址）")
    new.set_defaults(handler=new_)
    res = s.add_parser("result", help="记录一项检查结果")
    res.add_argument("id")
    res.add_argument("item")
    res.add_argument("result", help="compliant | violation | not-applicable")
    res.set_defaults(handler=result_)
    sign = s.add_parser("sign", help="全体执法人员签名（口令来自提示或 INSPECTOR_PASSPHRASE_<证号>）")
    sign.add_argument("id")
    sign.set_defaults(handler=sign_)
    ad = s.add_parser("add-item", help="把自动选择时未列入的检查项加入本次检查")
    ad.add_argument("id")
    ad.add_argument("items", nargs="+", metavar="ITEM")
    ad.add_argument("--catalogue", default=None, metavar="ID")
    ad.set_defaults(handler=add_item_)
    ls = s.add_parser("list", help="列出检查")
    ls.add_argument("--enterprise", default=None)
    ls.set_defaults(handler=list_)
    show = s.add_parser("show", help="一次检查的全部内容")
    show.add_argument("id")
    show.set_defaults(handler=show_)

    rv = s.add_parser("review", help="整改复查：在本次检查中记录以前隐患的整改情况")
    rv.add_argument("id", help="本次（复查）检查编号")
    rv.add_argument("--finding", required=True, help="以前已签名记录中的隐患编号")
    rv.add_argument("--result", required=True, help="rectified（已整改）| not-rectified（未整改）")
    rv.add_argument("--note", default="", help="复查情况说明")
    rv.set_defaults(handler=review_)

    f = sub.add_parser("finding", help="隐患")
    fs = f.add_subparsers(dest="action", required=True)
    add = fs.add_parser("add", help="登记隐患（该检查项即记为“不符合”）")
    add.add_argument("id", help="检查编号")
    add.add_argument("--item", required=True)
    add.add_argument("--grade", required=True, help="general（一般）| major（重大）")
    add.add_argument("--deadline", default=None, help="整改期限 YYYY-MM-DD")
    add.add_argument("--text", required=True, help="隐患描述")
    add.add_argument("--location", default="")
    add.add_argument("--self-reported", action="store_true", help="企业自查自报、正在整改期内")
    add.add_argument("--evidence", action="append", default=[], metavar="SHA256", help="已导入证据的 sha256")
    add.set_defaults(handler=finding_add)
    ed = fs.add_parser("edit", help="修改草稿中的隐患")
    ed.add_argument("finding")
    ed.add_argument("--text", default=None)
    ed.add_argument("--location", default=None)
    ed.add_argument("--grade", default=None)
    ed.add_argument("--deadline", default=None)
    ed.add_argument("--self-reported", default=None, choices=["yes", "no"])
    ed.set_defaults(handler=finding_edit)
    rm = fs.add_parser("remove", help="删除草稿中的隐患（证据仍保留在证据库）")
    rm.add_argument("finding")
    rm.set_defaults(handler=finding_remove)
    op = fs.add_parser("open", help="尚未复查整改的隐患，按整改期限排列（逾期、临期标明）")
    op.add_argument("--enterprise", default=None)
    op.set_defaults(handler=finding_open)


def _catalogues(ws, specs: list[str]):
    catalogues = ws.catalogues
    if not specs:
        return catalogues.latest()
    chosen = []
    for spec in specs:
        cid, _, version = spec.partition("@")
        found = catalogues.get(cid, version or None)
        if found is None:
            choices = ", ".join(sorted({f"{c.id}@{c.version}" for c in catalogues.all()}))
            raise InspectorError(UNKNOWN_CATALOGUE, exit_code=2, catalogue=spec, choices=choices)
        chosen.append(found)
    return chosen


def new_(args) -> int:
    certs = [c.strip() for c in args.inspectors.split(",") if c.strip()]
    with workspace(args) as ws:
        chosen = _catalogues(ws, args.catalogue)
        with ws.store.write() as session:
            row = inspections.create(session, enterprise_code=args.enterprise, inspectors=certs,
                                     catalogues=chosen, place=args.place)
            ws.audit(session, "edit", f"inspection:{row.id}", {"op": "new", "enterprise": row.enterprise_code,
                                                                "catalogues": row.catalogues})
            count = len(inspections.view(session, row.id).items)
    emit(args, {"id": row.id, "items": count}, row.id)
    return 0


def result_(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        item = inspections.set_result(session, args.id, args.item, args.result)
        ws.audit(session, "edit", f"inspection:{item.inspection_id}", {"op": "result", "item": item.item_id,
                                                                        "result": item.result})
    emit(args, {"inspection": item.inspection_id, "item": item.item_id, "result": item.result},
         f"{item.item_id}：{RESULT_LABELS[item.result]}")
    return 0


def finding_add(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        finding = inspections.add_finding(session, args.id, item_id=args.item, description=args.text,
                                          grade=args.grade, location=args.location, deadline=args.deadline,
                                          self_reported=args.self_reported)
        for sha in args.evidence:
            evidence_store.attach(session, sha, finding.inspection_id, finding.id)
        ws.audit(session, "edit", f"inspection:{finding.inspection_id}",
                 {"op": "finding", "finding": finding.id, "item": finding.item_id, "grade": finding.grade,
                  "evidence": list(args.evidence)})
    data = {"id": finding.id, "inspection": finding.inspection_id, "item": finding.item_id,
            "grade": finding.grade, "deadline": finding.deadline, "repeat_offence": finding.repeat_offence,
            "repeat_of": finding.repeat_of, "self_reported": finding.self_reported}
    mark = "（屡查屡犯）" if finding.repeat_offence else ""
    emit(args, data, f"{finding.id}{mark}")
    return 0


def sign_(args) -> int:
    from ..store.records import sign_inspection

    with workspace(args) as ws:
        record_hash = sign_inspection(ws, args.id)
    emit(args, {"record": record_hash}, record_hash)
    return 0


def list_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        rows = inspections.list_rows(session, args.enterprise)
        data = [{"id": r.id, "enterprise": r.enterprise_code, "status": r.status, "started_at": r.started_at,
                 "inspectors": r.inspectors, "record": r.record_hash} for r in rows]
        emit(args, data, lambda: table([[r.id, r.started_at[:16], r.status, r.enterprise_code] for r in rows])
             or "（暂无检查）")
    return 0


def show_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        v = inspections.view(session, args.id)
        i = v.inspection
        data = {
            "id": i.id, "enterprise": i.enterprise_code, "status": i.status, "inspectors": i.inspectors,
            "catalogues": i.catalogues, "place": i.place, "started_at": i.started_at, "record": i.record_hash,
            "amends": i.amends,
            "items": [{"item": it.item_id, "catalogue": it.catalogue_id, "version": it.catalogue_version,
                       "seq": it.seq, "matter": it.matter, "major_hazard": it.major_hazard, "result": it.result}
                      for it in v.items],
            "findings": [{"id": f.id, "item": f.item_id, "description": f.description, "location": f.location,
                          "grade": f.grade, "deadline": f.deadline, "repeat_offence": f.repeat_offence,
                          "repeat_of": f.repeat_of, "self_reported": f.self_reported,
                          "evidence": v.evidence.get(f.id, [])} for f in v.findings],
            "evidence": v.evidence.get("", []),
            "reviews": [{"finding": r.finding_id, "record": r.record_hash, "result": r.result, "note": r.note}
                        for r in reviews.of_inspection(session, i.id)],
            "sign_blockers": [b.text("zh") for b in v.blockers()],
        }

        def text() -> str:
            lines = [f"检查 {i.id}（{i.status}）企业 {i.enterprise_code} 执法人员 {', '.join(i.inspectors)}"]
            lines.append(table([[it.item_id, RESULT_LABELS[it.result], ("【重大】" if it.major_hazard else "") + it.matter[:40]]
                                for it in v.items]))
            for f in v.findings:
                flags = "".join(["（屡查屡犯）" if f.repeat_offence else "", "（自查自报）" if f.self_reported else ""])
                lines.append(f"隐患 {f.id[:8]} {f.item_id} {GRADE_LABELS[f.grade]} 期限 {f.deadline or '—'}{flags}：{f.description}")
            blockers = v.blockers()
            lines.append("可以签名" if not blockers else "尚不能签名：" + "；".join(b.text("zh") for b in blockers))
            return "\n".join(lines)

        emit(args, data, text)
    return 0


def review_(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        row = reviews.review(session, args.id, args.finding, args.result, args.note)
        ws.audit(session, "edit", f"inspection:{row.inspection_id}",
                 {"op": "review", "finding": row.finding_id, "record": row.record_hash, "result": row.result})
    data = {"inspection": row.inspection_id, "finding": row.finding_id, "record": row.record_hash, "result": row.result}
    emit(args, data, f"隐患 {row.finding_id[:8]}：{'已整改' if row.result == 'rectified' else '未整改'}")
    return 0


def finding_open(args) -> int:
    from datetime import date

    from ..domain.inspection import deadline_state
    with workspace(args) as ws, ws.store.read() as session:
        rows = reviews.open_findings(session, args.enterprise)
        today = date.today()
        data = []
        for f in rows:
            state = deadline_state(f.id, date.fromisoformat(f.deadline) if f.deadline else None, today)
            data.append({"id": f.id, "enterprise": f.enterprise_code, "item": f.item_id, "grade": f.grade,
                         "deadline": f.deadline, "state": state.status, "days_left": state.days_left,
                         "repeat_offence": f.repeat_offence, "description": f.description})
    labels = {"overdue": "已逾期", "due-soon": "临期", "open": "未到期", "no-deadline": "无期限"}
    emit(args, data, lambda: table([[d["id"][:8], d["enterprise"], d["deadline"] or "—", labels[d["state"]],
                                      d["description"][:30]] for d in data]) or "（没有未整改的隐患）")
    return 0


def add_item_(args) -> int:
    with workspace(args) as ws:
        chosen = [ws.catalogues.locate(item, args.catalogue) for item in args.items]
        with ws.store.write() as session:
            added = inspections.add_items(session, args.id, chosen)
            inspection_id = inspections.get_row(session, args.id).id
            ws.audit(session, "edit", f"inspection:{inspection_id}", {"op": "add-items", "items": [a.item_id for a in added]})
    emit(args, {"inspection": inspection_id, "added": [a.item_id for a in added]},
         "已加入：" + ("、".join(a.item_id for a in added) or "（均已在检查范围内）"))
    return 0


def finding_edit(args) -> int:
    flag = None if args.self_reported is None else args.self_reported == "yes"
    with workspace(args) as ws, ws.store.write() as session:
        f = inspections.update_finding(session, args.finding, description=args.text, location=args.location,
                                       grade=args.grade, deadline=args.deadline, self_reported=flag)
        ws.audit(session, "edit", f"inspection:{f.inspection_id}", {"op": "finding-edit", "finding": f.id})
    emit(args, {"id": f.id, "grade": f.grade, "deadline": f.deadline, "self_reported": f.self_reported},
         f"已修改隐患 {f.id[:8]}")
    return 0


def finding_remove(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        inspection_id = inspections.remove_finding(session, args.finding)
        ws.audit(session, "edit", f"inspection:{inspection_id}", {"op": "finding-remove", "finding": args.finding})
    emit(args, {"removed": args.finding}, f"已删除隐患 {args.finding[:8]}")
    return 0
