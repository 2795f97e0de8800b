"""Server time: UTC, ISO 8601 with an explicit offset, to the microsecond."""
from __future__ import annotations

import datetime as _dt
import time


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def now_iso() -> str:
    return now().isoformat(timespec="microseconds")


def epoch() -> int:
    return int(time.time())


def http_date(epoch_seconds: int) -> str:
    from email.utils import formatdate

    return formatdate(epoch_seconds, usegmt=True)
