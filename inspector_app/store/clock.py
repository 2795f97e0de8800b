"""Local time with its offset: records carry ISO 8601 times that say which clock they came from."""
from __future__ import annotations

from datetime import datetime


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
