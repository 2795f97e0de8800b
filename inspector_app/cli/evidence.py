"""inspector evidence import | export | list | attach"""
from __future__ import annotations

import sys
from pathlib import Path

from ..store import evidence as evidence_store
from .common import emit, table, workspace


def register(sub) -> None:
    p = sub.add_parser("evidence", help="证据（照片、视频、录音），加密保存，原件不变")
    s = p.add_subparsers(dest="action", required=True)
    imp = s.add_parser("import", help="导入文件或文件夹（执法记录仪的存储），打印每个文件的 sha256")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--inspection", default=None, help="附到此检查")
    imp.add_argument("--finding", default=None, help="附到此隐患（需同时给出 --inspection）")
    imp.add_argument("--by", default=None, metavar="CERT", help="采集人执法证号（默认：第一位可解锁的执法人员）")
    imp.set_defaults(handler=import_)
    exp = s.add_parser("export", help="把原件解密导出到文件")
    exp.add_argument("sha")
    exp.add_argument("-o", "--output", type=Path, required=True)
    exp.add_argument("--by", default=None, metavar="CERT")
    exp.set_defaults(handler=export_)
    ls = s.add_parser("list", help="列出证据")
    ls.add_argument("--unassigned", action="store_true", help="只列未关联任何检查的证据（如暗访快速录像）")
    ls.set_defaults(handler=list_)
    att = s.add_parser("attach", help="把已导入的证据附到检查或隐患")
    att.add_argument("sha")
    att.add_argument("--inspection", required=True)
    att.add_argument("--finding", default=None)
    att.set_defaults(handler=attach_)


def _progress(p) -> None:
    if sys.stderr.isatty() and p.current:
        sys.stderr.write(f"\r{p.files_done}/{p.files_total} {p.bytes_done >> 20}/{p.bytes_total >> 20} MiB")
        sys.stderr.flush()


def _import_one(vault, path: Path):
    """One named file: its result, or the reason it was refused (the other files go on)."""
    from ..domain.messages import InspectorError
    from ..domain import media
    from ..store.vault import FileResult

    try:
        put, info = vault.import_file(path)
    except InspectorError as exc:
        status = "skipped" if exc.code == media.NOT_MEDIA else "failed"
        return FileResult(str(path), status, code=exc.code, params=dict(exc.params))
    return FileResult(str(path), "imported" if put.created else "duplicate", sha256=put.sha256, size=put.size,
                      info=info)


def import_(args) -> int:
    from ..cli import language

    with workspace(args) as ws:
        officer = ws.unlock(args.by)
        vault = ws.vault(officer)
        results = []
        for path in args.files:
            if path.is_dir():
                report = vault.import_folder(path, on_progress=_progress)
                results.extend(report.results)
            else:
                results.append(_import_one(vault, path))
        ok = [r for r in results if r.sha256]
        with ws.store.write() as session:
            for r in ok:
                evidence_store.record(session, sha256=r.sha256, info=r.info, captured_by=officer.cert,
                                      original_name=Path(r.path).name)
                if args.inspection:
                    evidence_store.attach(session, r.sha256, args.inspection, args.finding)
                ws.audit(session, "import", f"evidence:{r.sha256}",
                         {"name": Path(r.path).name, "size": r.size, "media_type": r.info.media_type,
                          "inspection": args.inspection, "finding": args.finding, "duplicate": r.status == "duplicate"})
    data = [{"path": r.path, "status": r.status, "sha256": r.sha256, "size": r.size,
             "reason": r.text(language())} for r in results]

    def text() -> str:
        lines = []
        for r in results:
            lines.append(f"{r.sha256}  {r.path}" if r.sha256 else f"{'跳过' if r.status == 'skipped' else '失败'}  {r.path}：{r.text(language())}")
        return "\n".join(lines)

    emit(args, data, text)
    return 0 if all(r.sha256 or r.status == "skipped" for r in results) else 1


def export_(args) -> int:
    with workspace(args) as ws:
        with ws.store.read() as session:
            row = evidence_store.get(session, args.sha)
        vault = ws.vault(ws.unlock(args.by))
        size = vault.export(row.sha256, args.output)
        with ws.store.write() as session:
            ws.audit(session, "export", f"evidence:{row.sha256}", {"to": args.output.name})
    emit(args, {"sha256": row.sha256, "path": str(args.output), "size": size}, f"已导出 {args.output}（{size} 字节）")
    return 0


def list_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        rows = evidence_store.unassigned(session) if args.unassigned else evidence_store.all_rows(session)
        data = [{"sha256": r.sha256, "media_type": r.media_type, "kind": r.kind, "size": r.size,
                 "captured_at": r.captured_at, "file_time": r.file_time, "captured_by": r.captured_by,
                 "original_name": r.original_name, "derived_from": r.derived_from} for r in rows]
        emit(args, data, lambda: table([[r.sha256[:16], r.kind, r.captured_at[:16], r.original_name] for r in rows])
             or "（无证据）")
    return 0


def attach_(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        link = evidence_store.attach(session, args.sha, args.inspection, args.finding)
        ws.audit(session, "edit", f"inspection:{link.inspection_id}",
                 {"op": "attach", "evidence": link.sha256, "finding": link.finding_id or None})
    emit(args, {"sha256": link.sha256, "inspection": link.inspection_id, "finding": link.finding_id or None},
         f"已关联 {link.sha256[:16]}")
    return 0
