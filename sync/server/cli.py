"""inspector-server: init, serve, and the supervisors' admin commands.

Exit codes as for `inspector`: 0 success, 1 the answer is "no", 2 bad usage, 3 internal error.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from inspector_app.domain.messages import DEFAULT_LANGUAGE, InspectorError

from . import settings as settings_mod
from .settings import Settings

CONFIG_FILE = "server.json"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"inspector-server: 用法错误 / usage error: {message}", file=sys.stderr)
        raise SystemExit(2)


def default_data_dir() -> Path:
    env = os.environ.get("INSPECTOR_SERVER_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("InspectorServer", appauthor=False))


def _language() -> str:
    return os.environ.get("INSPECTOR_LANG", DEFAULT_LANGUAGE)


def _emit(args, data, text) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text() if callable(text) else text)


def _config(data_dir: Path) -> dict:
    path = data_dir / CONFIG_FILE
    if path.exists():
        return json.loads(path.read_text("utf-8"))
    return {}


def _settings(args, *, secrets: bool = True) -> Settings:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    config = _config(data_dir)
    db = getattr(args, "db", None) or os.environ.get("INSPECTOR_SERVER_DB") or config.get("db")
    store = getattr(args, "store", None) or os.environ.get("INSPECTOR_SERVER_STORE") or config.get("store")
    s = Settings(data_dir=data_dir, db_url=db, store_dir=Path(store) if store else None)
    max_upload = getattr(args, "max_upload", None) or config.get("max_upload")
    if max_upload:
        s.max_upload = int(max_upload)
    if secrets:
        settings_mod.load_secrets(s)
    return s


_OPEN: list = []


def _context(args):
    from .context import Context

    ctx = Context.open(_settings(args))
    _OPEN.append(ctx)
    return ctx


# --- init and serve -----------------------------------------------------------------------------
def init_(args) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    info = settings_mod.init_secrets(data_dir, force=args.force)
    config = _config(data_dir)
    for key in ("db", "store", "max_upload"):
        value = getattr(args, key, None)
        if value:
            config[key] = str(value) if key != "max_upload" else int(value)
    (data_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2), "utf-8")
    ctx = _context(args)  # creates the database schema now, so a bad --db fails here
    info["db"] = ctx.db.display_url()
    ctx.close()
    _emit(args, info, lambda: f"已初始化 {info['data_dir']}\n服务器公钥 {info['server_public_key']}\n"
                              f"管理密钥在 {info['admin_secret_file']}（仅所有者可读）\n数据库 {info['db']}")
    return 0


def serve_(args) -> int:
    import uvicorn

    from .app import create_app
    from .uploads.service import purge_expired

    ctx = _context(args)  # refuses missing or default secrets before anything listens
    purge_expired(ctx, force=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"inspector-server: {ctx.db.display_url()} · blobs {ctx.settings.store_dir} · "
          f"http://{args.host}:{args.port}/openapi.json", file=sys.stderr, flush=True)
    uvicorn.run(create_app(ctx), host=args.host, port=args.port, log_level=args.log_level,
                timeout_keep_alive=30, access_log=args.access_log)
    return 0


# --- admin --------------------------------------------------------------------------------------
def add_inspector_(args) -> int:
    from .inspectors import service

    ctx = _context(args)
    out = service.add(ctx, name=args.name, cert=args.cert, public_key=args.public_key, devices=args.device or [])
    _emit(args, out, f"已登记执法人员 {out['name']}（{out['cert']}），公钥 {len(out['public_keys'])} 个")
    return 0


def list_inspectors_(args) -> int:
    from .inspectors import service

    rows = service.all_inspectors(_context(args))
    _emit(args, rows, lambda: "\n".join(f"{r['cert']}  {r['name']}  {' '.join(r['public_keys'])}" for r in rows)
          or "（尚无执法人员）")
    return 0


def export_bundle_(args) -> int:
    from .records.bundles import export_bundle

    digest = export_bundle(_context(args), args.record, args.output)
    _emit(args, {"record": digest, "path": str(args.output)}, f"已导出证据包 {args.output}（记录 {digest}）")
    return 0


def enrol_device_(args) -> int:
    from .devices import service

    out = service.invite(_context(args), args.name, ttl=args.ttl)
    notes = []
    if args.qr:
        out["qr"] = str(args.qr)
        out["qr_renderer"] = write_qr_png(out["code"], Path(args.qr))
    _emit(args, out, lambda: "\n".join([f"设备 {out['name']} 的一次性注册码（{out['expires_at']} 前有效）：",
                                         "", f"    {out['code']}", "", terminal_qr(out["code"])] + notes
                                        + ([f"二维码已写入 {out['qr']}"] if args.qr else [])))
    return 0


def revoke_device_(args) -> int:
    from .devices import service

    out = service.revoke(_context(args), args.name)
    _emit(args, out, f"已吊销设备 {out['name']}")
    return 0


def list_devices_(args) -> int:
    from .devices import service

    rows = service.all_devices(_context(args))
    _emit(args, rows, lambda: "\n".join(f"{r['name']}  {r['status']}  {r['device_id'] or '-'}" for r in rows)
          or "（尚无设备）")
    return 0


def allocate_numbers_(args) -> int:
    from .pulls import service

    out = service.allocate_numbers(_context(args), device=args.device, prefix=args.prefix, year=args.year,
                                   count=args.count)
    _emit(args, out, f"已分配给 {out['device']}：{out['prefix']}〔{out['year']}〕{out['start']}–{out['end']} 号")
    return 0


def reverify_(args) -> int:
    from .evidence import service

    out = service.reverify(_context(args))
    _emit(args, out, lambda: f"已核验 {out['checked']} 份证据：{out['ok']} 份完好，{len(out['mismatched'])} 份不符，"
                             f"{len(out['missing'])} 份缺失")
    return 0 if not out["mismatched"] and not out["missing"] else 1


def publish_catalogue_(args) -> int:
    from .pulls import service

    out = service.publish_catalogue(_context(args), Path(args.file))
    _emit(args, out, f"已发布检查目录 {out['id']} {out['version']}")
    return 0


def import_enterprises_(args) -> int:
    from .pulls import service

    out = service.import_enterprises(_context(args), Path(args.file))
    _emit(args, out, f"读取 {out['read']} 家企业，更新 {out['changed']} 家")
    return 0


def add_assignment_(args) -> int:
    from .pulls import service

    certs = [c.strip() for c in args.inspectors.split(",") if c.strip()]
    out = service.add_assignment(_context(args), enterprise=args.enterprise, inspectors=certs, title=args.title,
                                 due=args.due, note=args.note)
    _emit(args, out, f"已创建检查任务 {out['id']}：{out['enterprise']}（{'、'.join(out['inspectors'])}）")
    return 0


def uploads_(args) -> int:
    from sqlalchemy import select

    from .uploads.models import Upload

    ctx = _context(args)
    with ctx.db.read() as session:
        rows = [{"id": u.id, "sha256": u.sha256, "length": u.length, "offset": u.offset, "received": u.received,
                 "state": u.state} for u in session.scalars(select(Upload).order_by(Upload.created_at))]
    _emit(args, rows, lambda: "\n".join(f"{r['id']}  {r['state']}  {r['offset']}/{r['length']}  收到 {r['received']}"
                                        for r in rows) or "（无上传）")
    return 0


# --- QR of the enrolment code -------------------------------------------------------------------
def _qr_matrix(text: str) -> list[list[bool]]:
    from reportlab.graphics.barcode import qrencoder

    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    n = qr.getModuleCount()
    return [[bool(qr.isDark(r, c)) for c in range(n)] for r in range(n)]


def terminal_qr(text: str) -> str:
    """The QR code drawn with half blocks (two rows per line), with a quiet zone."""
    m = _qr_matrix(text)
    n, quiet = len(m), 2
    size = n + 2 * quiet

    def dark(r, c):
        r, c = r - quiet, c - quiet
        return 0 <= r < n and 0 <= c < n and m[r][c]

    lines = []
    for r in range(0, size, 2):
        row = ""
        for c in range(size):
            top, bottom = dark(r, c), dark(r + 1, c)
            # light background, dark modules: print the *light* parts as blocks for dark terminals
            row += {(False, False): "█", (True, True): " ", (True, False): "▄", (False, True): "▀"}[(top, bottom)]
        lines.append(row)
    return "\n".join(lines)


def write_qr_png(text: str, path: Path) -> str:
    """reportlab's QR widget through renderPM when its backend is installed, else the same
    reportlab encoder's modules drawn with Pillow. Returns which renderer was used."""
    try:
        from reportlab.graphics import renderPM
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing

        widget = QrCodeWidget(text)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(x1 - x0, y1 - y0)
        drawing.add(widget)
        renderPM.drawToFile(drawing, str(path), fmt="PNG", dpi=288)
        return "reportlab.renderPM"
    except Exception:  # renderPM needs rlPyCairo, which is not a dependency
        from PIL import Image

        m = _qr_matrix(text)
        scale, quiet = 10, 4
        size = (len(m) + 2 * quiet) * scale
        image = Image.new("1", (size, size), 1)
        for r, row in enumerate(m):
            for c, on in enumerate(row):
                if on:
                    image.paste(0, ((c + quiet) * scale, (r + quiet) * scale, (c + quiet + 1) * scale, (r + quiet + 1) * scale))
        image.save(path, "PNG")
        return "pillow (reportlab qrencoder modules; renderPM backend unavailable)"


# --- parser -------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite in the data dir)")
    where.add_argument("--store", default=None, help="blob folder (default: DATA_DIR/blobs)")

    parser = _Parser(prog="inspector-server", description="Inspector 县局同步服务器")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="数据目录（默认 INSPECTOR_SERVER_DATA_DIR 或系统用户数据目录）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("init", parents=[common, where], help="生成服务器签名密钥与管理密钥（0600）并建库")
    p.add_argument("--force", action="store_true", help="替换已有密钥")
    p.add_argument("--max-upload", type=int, default=None, help="单个证据文件的上限（字节）")
    p.set_defaults(handler=init_)

    p = sub.add_parser("serve", parents=[where], help="启动服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8480)
    p.add_argument("--max-upload", type=int, default=None)
    p.add_argument("--log-level", default="info")
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(handler=serve_)

    admin = sub.add_parser("admin", help="管理命令").add_subparsers(dest="action", required=True, parser_class=_Parser)
    a = admin.add_parser("add-inspector", parents=[common, where], help="登记执法人员的公钥")
    a.add_argument("--name", required=True)
    a.add_argument("--cert", required=True)
    a.add_argument("--public-key", required=True, help="base64 of the raw 32-byte Ed25519 key (inspector officer list --json)")
    a.add_argument("--device", action="append", help="该人员使用的设备名（可重复）")
    a.set_defaults(handler=add_inspector_)
    a = admin.add_parser("list-inspectors", parents=[common, where])
    a.set_defaults(handler=list_inspectors_)
    a = admin.add_parser("enrol-device", parents=[common, where], help="为设备生成一次性注册码")
    a.add_argument("name")
    a.add_argument("--ttl", type=int, default=settings_mod.DEFAULT_ENROL_TTL, help="有效期（秒）")
    a.add_argument("--qr", type=Path, default=None, help="同时把注册码二维码写入 PNG 文件")
    a.set_defaults(handler=enrol_device_)
    a = admin.add_parser("revoke-device", parents=[common, where])
    a.add_argument("name")
    a.set_defaults(handler=revoke_device_)
    a = admin.add_parser("list-devices", parents=[common, where])
    a.set_defaults(handler=list_devices_)
    a = admin.add_parser("allocate-numbers", parents=[common, where], help="为设备分配文书编号段")
    a.add_argument("--device", required=True)
    a.add_argument("--prefix", required=True)
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--count", type=int, required=True)
    a.set_defaults(handler=allocate_numbers_)
    a = admin.add_parser("reverify", parents=[common, where], help="重新计算每份证据的哈希")
    a.set_defaults(handler=reverify_)
    a = admin.add_parser("export-bundle", parents=[common, where], help="导出记录的签名证据包（可用 inspector verify 离线核验）")
    a.add_argument("record", help="记录哈希")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.set_defaults(handler=export_bundle_)
    a = admin.add_parser("publish-catalogue", parents=[common, where], help="发布检查目录 TOML")
    a.add_argument("file")
    a.set_defaults(handler=publish_catalogue_)
    a = admin.add_parser("import-enterprises", parents=[common, where], help="导入企业名录（JSON 列表）")
    a.add_argument("file")
    a.set_defaults(handler=import_enterprises_)
    a = admin.add_parser("add-assignment", parents=[common, where], help="创建检查任务")
    a.add_argument("--enterprise", required=True)
    a.add_argument("--inspectors", required=True, help="CERT,CERT")
    a.add_argument("--title", default="")
    a.add_argument("--due", default=None)
    a.add_argument("--note", default="")
    a.set_defaults(handler=add_assignment_)
    a = admin.add_parser("uploads", parents=[common, where], help="列出上传（收到的字节数）")
    a.set_defaults(handler=uploads_)
    from .users.cli import register as register_users

    register_users(admin)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except InspectorError as exc:
        print(exc.text(_language()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception:
        logging.basicConfig(level=logging.ERROR)
        logging.exception("internal error in inspector-server %s", " ".join(sys.argv[1:]))
        print("内部错误 / internal error (details above)", file=sys.stderr)
        return 3
    finally:
        while _OPEN:
            _OPEN.pop().close()


if __name__ == "__main__":
    raise SystemExit(main())
