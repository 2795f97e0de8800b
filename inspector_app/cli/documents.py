"""inspector doc render KIND ID -o file.pdf; inspector settings show | set KEY VALUE"""
from __future__ import annotations

import json
from pathlib import Path

from ..domain.messages import InspectorError, define
from ..store.documents import SETTING_KEYS, render_document
from .common import emit, table, workspace

BAD_EXTRA = define(
    "documents.extra_not_json",
    "--extra 的内容不是有效的 JSON 对象：{reason}",
    "--extra is not a valid JSON object: {reason}",
)
UNKNOWN_SETTING = define(
    "settings.unknown",
    "未知设置项 {key}，可选：{choices}",
    "Unknown setting {key}; choose from: {choices}",
)
SETTING_LABELS = {
    "county_name": "县区名称", "bureau_name": "应急管理局名称", "short_name": "县区简称（文书编号用）",
    "seal_text": "印章文字", "reconsideration_body": "行政复议机关", "court": "管辖法院（全称）",
    "server_url": "县局服务器地址", "device_slot": "本机设备序号（县局分配，用于文书编号段）",
}


def register(sub) -> None:
    from inspector_app.documents import KINDS

    p = sub.add_parser("doc", help="执法文书（PDF）")
    s = p.add_subparsers(dest="action", required=True)
    r = s.add_parser("render", help="生成文书：" + ", ".join(KINDS))
    r.add_argument("kind", choices=KINDS)
    r.add_argument("ref", metavar="ID", help="已签名记录的哈希或检查编号；--draft 时为检查编号")
    r.add_argument("-o", "--output", type=Path, required=True)
    r.add_argument("--draft", action="store_true", help="未签名的草稿（标明草稿，无文书编号）")
    r.add_argument("--extra", default=None, help="文书需要的其他内容（JSON），如整改复查意见、询问笔录的问答")
    r.add_argument("--by", default=None, metavar="CERT", help="解锁证据库以打印现场照片的执法人员")
    r.set_defaults(handler=render_)

    st = sub.add_parser("settings", help="县局设置（文书抬头、复议机关、法院、服务器）")
    ss = st.add_subparsers(dest="action", required=True)
    show = ss.add_parser("show")
    show.set_defaults(handler=settings_show)
    put = ss.add_parser("set")
    put.add_argument("key")
    put.add_argument("value")
    put.set_defaults(handler=settings_set)


def render_(args) -> int:
    extra = None
    if args.extra:
        try:
            extra = json.loads(args.extra)
            if not isinstance(extra, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            raise InspectorError(BAD_EXTRA, exit_code=2, reason=str(exc)) from None
    from ..cli import language

    with workspace(args) as ws:
        vault = ws.vault(ws.unlock(args.by)) if _has_officers(ws) else None
        result = render_document(ws, args.kind, args.ref, args.output, vault=vault, extra=extra,
                                 draft_of=args.ref if args.draft else None)
    warnings = [w.text(language()) for w in result.warnings]
    data = {"path": str(result.path), "kind": result.kind, "pages": result.pages, "number": result.number,
            "draft": result.draft, "qr": result.qr_text, "warnings": warnings}
    emit(args, data, lambda: "\n".join([f"已生成 {result.path}（{result.pages} 页）" +
                                        (f" 编号 {result.number}" if result.number else "（草稿）" if result.draft else "")]
                                       + [f"注意：{w}" for w in warnings]))
    return 0


def _has_officers(ws) -> bool:
    from ..store import officers

    with ws.store.read() as session:
        return bool(officers.all_rows(session))


def settings_show(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        values = {k: ws.setting(session, k) for k in SETTING_KEYS}
    emit(args, values, lambda: table([[k, SETTING_LABELS[k], str(v if v is not None else "—")] for k, v in values.items()]))
    return 0


def settings_set(args) -> int:
    if args.key not in SETTING_KEYS:
        raise InspectorError(UNKNOWN_SETTING, exit_code=2, key=args.key, choices=", ".join(SETTING_KEYS))
    value: object = args.value
    if args.key == "device_slot":
        from ..domain.numbering import check_slot

        try:
            value = check_slot(int(args.value))
        except ValueError:
            value = check_slot(args.value)
    with workspace(args) as ws, ws.store.write() as session:
        ws.set_setting(session, args.key, value)
        ws.audit(session, "edit", "settings", {"op": "set", "key": args.key, "value": value})
    emit(args, {args.key: value}, f"{SETTING_LABELS[args.key]}：{value}")
    return 0
