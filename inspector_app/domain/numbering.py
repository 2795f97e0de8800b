"""Document numbers: （县区简称）应急XX〔年〕N号, drawn from blocks, never reused, never colliding.

Pure logic, no storage: the store persists the blocks a device holds and every number it has used
(issued or voided), and asks these functions for the next one. See docs/documents.md.

Two kinds of block:

- **server** blocks are allocated by the county server (``admin allocate-numbers``); they are the
  official sequence and live in 1 … ``SERVER_MAX``.
- **local** blocks exist so that a laptop that has never synced can still print a final document.
  Each device owns one provisional range per (prefix, year), derived from its *device slot*, a small
  positive integer the county assigns once per laptop (at enrolment, or when the laptop is set up):
  slot ``s`` owns ``s × 10000 + 1 … s × 10000 + 9999``. Two devices with different slots can never
  produce the same number, with no network at all. A number above ``SERVER_MAX`` is therefore
  visibly provisional, and its slot is ``n // 10000``.

``next_number`` prefers server blocks to local ones, lower numbers first, and skips every number in
``used``; when every block is spent it raises ``numbering.exhausted`` rather than guess.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, Literal

from .messages import InspectorError, define

BAD_NUMBER = define(
    "numbering.bad_number",
    "文书编号“{text}”格式不对，应为（县区简称）应急XX〔年〕N号，例如（文）应急责改〔2025〕12号",
    "Document number \"{text}\" is malformed; expected e.g. （文）应急责改〔2025〕12号",
)
EXHAUSTED = define(
    "numbering.exhausted",
    "{prefix}〔{year}〕的文书编号已用完，请同步以获取新的编号段",
    "No document numbers left for {prefix} {year}; sync to get a new block",
)
BAD_BLOCK = define(
    "numbering.bad_block",
    "文书编号段无效：{reason}",
    "Invalid document number block: {reason}",
)
BAD_SLOT = define(
    "numbering.bad_slot",
    "设备序号 {slot} 无效，应为 1 至 {max_slot} 的整数",
    "Device slot {slot} is invalid; it must be an integer from 1 to {max_slot}",
)

#: Official (server-allocated) numbers are 1 … SERVER_MAX.
SERVER_MAX = 9999
#: Width of one device's provisional range; slot s owns s*LOCAL_STRIDE+1 … s*LOCAL_STRIDE+LOCAL_SIZE.
LOCAL_STRIDE = 10000
LOCAL_SIZE = 9999
#: Highest device slot (keeps numbers within six digits… and a county well under this many laptops).
MAX_SLOT = 99

#: The document kinds that carry a number, and their prefixes (enforcement.md §3).
PREFIXES = ("应急检查", "应急检记", "应急责改", "应急现决", "应急复查")

Source = Literal["local", "server"]


@dataclass(frozen=True, order=True)
class DocumentNumber:
    short: str  # 县区简称, e.g. 文
    prefix: str  # e.g. 应急责改
    year: int
    n: int

    def __str__(self) -> str:
        return format_number(self.short, self.prefix, self.year, self.n)

    @property
    def provisional(self) -> bool:
        return is_provisional(self.n)


def format_number(short: str, prefix: str, year: int, n: int) -> str:
    """（文）应急责改〔2025〕12号 — full-width parentheses, 六角括号 around the year, no padding."""
    if not short or not prefix:
        raise InspectorError(BAD_NUMBER, text=f"（{short}）{prefix}〔{year}〕{n}号")
    if not (1000 <= int(year) <= 9999) or int(n) < 1:
        raise InspectorError(BAD_NUMBER, text=f"（{short}）{prefix}〔{year}〕{n}号")
    return f"（{short}）{prefix}〔{int(year)}〕{int(n)}号"


# Lenient on the brackets people type by hand ((), [], ［］, 〔〕), strict on the structure.
_NUMBER_RE = re.compile(
    r"^\s*[（(]\s*(?P<short>[^（()）]+?)\s*[）)]\s*"
    r"(?P<prefix>[^\s〔\[［0-9]+?)\s*"
    r"[〔\[［]\s*(?P<year>\d{4})\s*[〕\]］]\s*"
    r"(?P<n>\d+)\s*号\s*$"
)


def parse_number(text: str) -> DocumentNumber:
    """Parse a printed number back into its parts; raises numbering.bad_number."""
    match = _NUMBER_RE.match(text or "")
    if not match:
        raise InspectorError(BAD_NUMBER, exit_code=2, text=text)
    n = int(match["n"])
    if n < 1:
        raise InspectorError(BAD_NUMBER, exit_code=2, text=text)
    return DocumentNumber(match["short"], match["prefix"], int(match["year"]), n)


def is_provisional(n: int) -> bool:
    return n > SERVER_MAX


def slot_of(n: int) -> int | None:
    """The device slot a provisional number came from, or None for an official one."""
    return n // LOCAL_STRIDE if is_provisional(n) else None


@dataclass(frozen=True)
class NumberBlock:
    """An inclusive range start … end of numbers for one prefix and year."""

    kind_prefix: str
    year: int
    start: int
    end: int
    source: Source
    device_id: str

    def __post_init__(self) -> None:
        if self.source not in ("local", "server"):
            raise InspectorError(BAD_BLOCK, reason=f"source 应为 local 或 server，实为 {self.source}")
        if not (1 <= self.start <= self.end):
            raise InspectorError(BAD_BLOCK, reason=f"范围 {self.start}–{self.end} 无效")
        if self.source == "server" and self.end > SERVER_MAX:
            raise InspectorError(BAD_BLOCK, reason=f"服务器编号段不得超过 {SERVER_MAX}")
        if self.source == "local":
            slot = self.start // LOCAL_STRIDE
            if slot < 1 or self.end // LOCAL_STRIDE != slot or self.end % LOCAL_STRIDE == 0:
                raise InspectorError(BAD_BLOCK, reason=f"本地编号段 {self.start}–{self.end} 不在单一设备范围内")

    def __contains__(self, n: object) -> bool:
        return isinstance(n, int) and self.start <= n <= self.end

    def __len__(self) -> int:
        return self.end - self.start + 1

    def overlaps(self, other: "NumberBlock") -> bool:
        return (
            self.kind_prefix == other.kind_prefix
            and self.year == other.year
            and self.start <= other.end
            and other.start <= self.end
        )


def check_slot(slot: int) -> int:
    if not isinstance(slot, int) or isinstance(slot, bool) or not (1 <= slot <= MAX_SLOT):
        raise InspectorError(BAD_SLOT, exit_code=2, slot=slot, max_slot=MAX_SLOT)
    return slot


def local_block(kind_prefix: str, year: int, device_slot: int, device_id: str) -> NumberBlock:
    """The provisional block a device owns for (prefix, year): disjoint by construction."""
    slot = check_slot(device_slot)
    start = slot * LOCAL_STRIDE + 1
    return NumberBlock(kind_prefix, year, start, start + LOCAL_SIZE - 1, "local", device_id)


def slot_from_device_id(device_id: str) -> int:
    """A deterministic slot from a device id, for demo and unenrolled laptops only.

    Unlike a county-assigned slot this can collide (two ids, one slot: about 1 % for two laptops,
    birthday bound for more); enrolment replaces it with an assigned slot. Documented as such.
    """
    digest = hashlib.sha256(device_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % MAX_SLOT + 1


def next_number(
    blocks: Iterable[NumberBlock],
    used: Iterable[int],
    *,
    kind_prefix: str | None = None,
    year: int | None = None,
) -> int:
    """The next number to issue: server blocks first, then local, lowest free number first.

    ``blocks`` may hold other prefixes and years when ``kind_prefix`` and ``year`` are given; without
    them all blocks must share one prefix and year. ``used`` is every number ever issued or voided
    for that prefix and year (never reused). Raises numbering.exhausted when nothing is left.
    """
    chosen = list(blocks)
    if kind_prefix is not None:
        chosen = [b for b in chosen if b.kind_prefix == kind_prefix]
    if year is not None:
        chosen = [b for b in chosen if b.year == year]
    keys = {(b.kind_prefix, b.year) for b in chosen}
    if len(keys) > 1:
        raise ValueError(f"blocks for several prefixes/years {sorted(keys)}: pass kind_prefix and year")
    if not chosen:
        raise InspectorError(EXHAUSTED, prefix=kind_prefix or "", year=year or "")
    taken = set(used)
    order = sorted(chosen, key=lambda b: (b.source != "server", b.start))
    for block in order:
        # Skip the whole block at once when it is spent: cheap even for long histories.
        inside = sum(1 for n in taken if n in block)
        if inside >= len(block):
            continue
        for n in range(block.start, block.end + 1):
            if n not in taken:
                return n
    prefix, yr = next(iter(keys))
    raise InspectorError(EXHAUSTED, prefix=prefix, year=yr)


def remaining(blocks: Iterable[NumberBlock], used: Iterable[int]) -> int:
    """How many numbers are left in these blocks (for a 'sync soon' warning)."""
    taken = set(used)
    return sum(len(b) - sum(1 for n in taken if n in b) for b in blocks)
