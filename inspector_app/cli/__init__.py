"""The `inspector` command: the whole flow without the GUI, for scripts, tests and power users.

Exit codes (DESIGN.md §4): 0 success, 1 the answer is "no" (invalid data, a failed check),
2 bad usage (unknown id, malformed argument), 3 an internal error (logged, never shown as a
traceback).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from ..domain.messages import DEFAULT_LANGUAGE, InspectorError
from ..paths import default_data_dir
from sync.client import cli as sync_cli

from . import catalogue, demo, documents, draw, enterprise, evidence, inspection, officer, quiz, records

GROUPS = [catalogue, demo, enterprise, officer, inspection, evidence, quiz, records, documents, draw, sync_cli]
INTERNAL_ERROR = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # bad usage: one line, exit 2
        self.print_usage(sys.stderr)
        print(f"inspector: 用法错误 / usage error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="inspector", description="Inspector：危险化学品安全生产执法检查（命令行）")
    parser.add_argument("--data-dir", type=Path, default=None, help="数据目录（默认：系统用户数据目录，或 INSPECTOR_DATA_DIR）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出（读取类命令）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for group in GROUPS:
        group.register(sub)
    return parser


def language() -> str:
    return os.environ.get("INSPECTOR_LANG", DEFAULT_LANGUAGE)


def _log_internal(data_dir: Path | None) -> Path | None:
    try:
        folder = data_dir or default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "inspector-errors.log"
        logging.basicConfig(filename=path, level=logging.ERROR, force=True)
        logging.exception("internal error in inspector %s", " ".join(sys.argv[1:]))
        return path
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except InspectorError as exc:
        print(exc.text(language()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消 / cancelled", file=sys.stderr)
        return 130
    except Exception:
        where = _log_internal(args.data_dir)
        print(f"内部错误，详情已记录到 {where} / internal error, details logged to {where}", file=sys.stderr)
        return INTERNAL_ERROR
    return code or 0


if __name__ == "__main__":
    raise SystemExit(main())
