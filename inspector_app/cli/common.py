"""What every command group shares: opening the workspace and printing results."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ..paths import default_data_dir
from ..workspace import Workspace


@contextmanager
def workspace(args):
    ws = Workspace(Path(args.data_dir) if args.data_dir else default_data_dir())
    try:
        yield ws
    finally:
        ws.close()


def emit(args, data, text: Callable[[], str] | str) -> None:
    """Print JSON with --json, else the human text."""
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text() if callable(text) else text)


def table(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)

    widths = [max(width(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [str(c) + " " * (widths[i] - width(str(c))) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
