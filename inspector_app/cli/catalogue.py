"""inspector catalogue list | show ITEM | validate [PATH…] | import TABLE --id ID …"""
from __future__ import annotations

import sys
from pathlib import Path

from ..domain.messages import InspectorError
from ..paths import checklists_dir
from .common import emit, table, workspace


def register(sub) -> None:
    p = sub.add_parser("catalogue", help="检查目录")
    s = p.add_subparsers(dest="action", required=True)
    ls = s.add_parser("list", help="列出目录，或一个目录的检查项")
    ls.add_argument("--catalogue", default=None, metavar="ID[@VERSION]")
    ls.set_defaults(handler=list_)
    show = s.add_parser("show", help="一个检查项的全文和依据")
    show.add_argument("item")
    show.add_argument("--catalogue", default=None, metavar="ID")
    show.set_defaults(handler=show_)
    val = s.add_parser("validate", help="校验目录文件（默认：随程序提供的和已导入的全部目录）")
    val.add_argument("paths", nargs="*", type=Path)
    val.set_defaults(handler=validate_)
    imp = s.add_parser("import", help="把官方表格（.xlsx/.csv：序号/检查事项/检查内容/检查依据/执法依据）导入为目录")
    imp.add_argument("table", type=Path)
    imp.add_argument("--id", required=True, dest="catalogue_id")
    imp.add_argument("--version", required=True)
    imp.add_argument("--title", required=True)
    imp.add_argument("--issuer", required=True, help="发布机关")
    imp.add_argument("--source", default=None, help="文本来源（默认：表格文件名）")
    imp.add_argument("--scope", required=True, help="适用范围（如：危险化学品生产、储存企业）")
    imp.add_argument("--kinds", default="*", help="适用企业类型，逗号分隔（默认 *：全部）")
    imp.add_argument("--year", type=int, default=None)
    imp.add_argument("-o", "--output", type=Path, default=None, help="写到此文件（默认：数据目录的 checklists/）")
    imp.set_defaults(handler=import_)


def _item_dict(catalogue, item) -> dict:
    return {
        "catalogue": catalogue.id, "version": catalogue.version, "id": item.id, "seq": item.seq,
        "section": item.section, "matter": item.matter, "content": item.content,
        "check_basis": list(item.check_basis),
        "enforcement_basis": list(item.effective_enforcement_basis(catalogue)),
        "enforcement_refs": list(item.enforcement_refs), "kinds": list(item.kinds),
        "major_hazard": item.major_hazard, "nature": item.nature, "source": item.source,
    }


def _catalogue_dict(c) -> dict:
    return {"id": c.id, "version": c.version, "year": c.year, "title": c.title, "issuer": c.issuer,
            "status": c.status, "source": c.source, "scope": c.scope, "items": len(c.items), "path": str(c.path)}


def list_(args) -> int:
    with workspace(args) as ws:
        catalogues = ws.catalogues
        if args.catalogue:
            cid, _, version = args.catalogue.partition("@")
            c = catalogues.get(cid, version or None)
            if c is None:
                from ..domain.catalogue import UNKNOWN_CATALOGUE

                choices = ", ".join(sorted({x.id for x in catalogues.all()}))
                raise InspectorError(UNKNOWN_CATALOGUE, exit_code=2, catalogue=args.catalogue, choices=choices)
            emit(args, [_item_dict(c, i) for i in c.items],
                 lambda: table([[i.id, str(i.seq), ("【重大】" if i.major_hazard else "") + i.matter] for i in c.items]))
        else:
            found = catalogues.all()
            emit(args, [_catalogue_dict(c) for c in found],
                 lambda: table([[c.id, c.version, c.status, str(len(c.items)), c.title] for c in found]))
    return 0


def show_(args) -> int:
    with workspace(args) as ws:
        catalogue, item = ws.catalogues.locate(args.item, args.catalogue)
        data = _item_dict(catalogue, item)

        def text() -> str:
            lines = [f"{item.id}  {catalogue.title}（{catalogue.version}）第{item.seq}项",
                     f"检查事项：{item.matter}", f"检查内容：{item.content}",
                     "检查依据：" + "".join(item.check_basis) if item.check_basis else "检查依据：—",
                     "执法依据：" + "".join(data["enforcement_basis"]) if data["enforcement_basis"] else "执法依据：—",
                     f"重大事故隐患：{'是' if item.major_hazard else '否'}", f"来源：{item.source}"]
            return "\n".join(lines)

        emit(args, data, text)
    return 0


def validate_(args) -> int:
    from ..domain.catalogue import validate_catalogue_file

    paths: list[Path] = []
    if args.paths:
        for p in args.paths:
            paths.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    else:
        paths = sorted(checklists_dir().glob("*.toml"))
        with workspace(args) as ws:
            if ws.imported_checklists_dir.is_dir():
                paths += sorted(ws.imported_checklists_dir.glob("*.toml"))
    from ..cli import language

    report = []
    for path in paths:
        problems = validate_catalogue_file(path)
        report.append({"path": str(path), "ok": not problems, "problems": [p.text(language()) for p in problems]})
    bad = [r for r in report if not r["ok"]]

    def text() -> str:
        lines = []
        for r in report:
            lines.append(f"{'✓' if r['ok'] else '✗'} {r['path']}")
            lines.extend(f"  {p}" for p in r["problems"])
        lines.append(f"{len(report) - len(bad)}/{len(report)} 个目录文件有效")
        return "\n".join(lines)

    if bad and not args.json:
        print(text(), file=sys.stderr)
    else:
        emit(args, report, text)
    return 1 if bad else 0


def import_(args) -> int:
    from ..domain.catalogue import load_catalogue
    from ..domain.catalogue_import import import_table, write_catalogue

    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip()) or ("*",)
    catalogue = import_table(
        args.table, catalogue_id=args.catalogue_id, version=args.version, title=args.title, issuer=args.issuer,
        source=args.source or args.table.name, scope=args.scope, kinds=kinds, year=args.year,
    )
    with workspace(args) as ws:
        out = args.output or ws.imported_checklists_dir / f"{catalogue.id}-{catalogue.version}.toml"
        out.parent.mkdir(parents=True, exist_ok=True)
        write_catalogue(catalogue, out)
        load_catalogue(out)  # what was written must load back
        with ws.store.write() as session:
            ws.audit(session, "import", f"catalogue:{catalogue.id}@{catalogue.version}",
                     {"table": args.table.name, "items": len(catalogue.items), "file": out.name})
    emit(args, {"path": str(out), "id": catalogue.id, "version": catalogue.version, "items": len(catalogue.items)},
         f"已导入 {len(catalogue.items)} 项 → {out}")
    return 0
