"""The per-device audit log: a hash chain of every action (import, edit, sign, print, export, sync…).

Entry (a JSON object, all fields required, nothing else)::

    {"device": str, "seq": 1.., "time": ISO 8601 with offset, "action": str, "subject": str,
     "detail": object, "prev": hex sha256 of the previous entry (64 zeros for seq 1)}

The entry's hash is ``sha256(canonical_bytes(entry))`` (RFC 8785). Each entry commits to the one
before it, so deleting, inserting, reordering or altering an entry breaks the chain at a place
``verify_chain`` names. Removing or altering the *last* entries is only visible against a head kept
elsewhere: the signed record carries ``audit_head`` and the server countersigns the head at each
sync; pass it as ``head=(seq, hash)``.

Pure functions over dicts; the store persists the entries.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from typing import Any, Mapping, Sequence

from ..crypto.canonical import CanonicalizationError, canonical_bytes
from .messages import InspectorError, define
from .record import Problem

__all__ = ["GENESIS", "FIELDS", "entry_hash", "make_entry", "verify_chain"]

GENESIS = "0" * 64
FIELDS = ("device", "seq", "time", "action", "subject", "detail", "prev")
_ACTION = re.compile(r"[a-z][a-z0-9-]{0,39}")
_HEX64 = re.compile(r"[0-9a-f]{64}")

BAD_ENTRY = define(
    "audit.bad_entry",
    "审计日志条目无效：{reason}",
    "Invalid audit log entry: {reason}",
)
MALFORMED = define(
    "audit.malformed",
    "审计日志第 {position} 条（序号 {seq}）格式不正确：{reason}",
    "Audit log entry at position {position} (seq {seq}) is malformed: {reason}",
)
WRONG_DEVICE = define(
    "audit.wrong_device",
    "审计日志第 {seq} 条属于设备 {found}，而本日志属于设备 {device}",
    "Audit log entry {seq} belongs to device {found}; this log belongs to {device}",
)
OUT_OF_ORDER = define(
    "audit.out_of_order",
    "审计日志第 {seq} 条出现在第 {after} 条之后：条目顺序被打乱",
    "Audit log entry {seq} comes after entry {after}: the entries were reordered",
)
DUPLICATE_SEQ = define(
    "audit.duplicate_seq",
    "审计日志序号 {seq} 出现了不止一次：有条目被插入",
    "Audit log sequence number {seq} occurs more than once: an entry was inserted",
)
MISSING = define(
    "audit.missing_entry",
    "审计日志缺少第 {seq} 条：条目被删除",
    "Audit log entry {seq} is missing: it was deleted",
)
BROKEN_LINK = define(
    "audit.broken_link",
    "审计日志第 {seq} 条与第 {next} 条记录的前一条哈希不符：第 {seq} 条被改动，或其后插入了条目",
    "Audit log entry {seq} does not match the hash that entry {next} records for it: entry {seq} "
    "was altered, or an entry was inserted after it",
)
BAD_START = define(
    "audit.bad_start",
    "审计日志第 {seq} 条的前一条哈希应为 {expected}，实为 {found}",
    "Audit log entry {seq} should follow hash {expected} but records {found}",
)
HEAD_MISMATCH = define(
    "audit.head_mismatch",
    "审计日志末条（第 {seq} 条，哈希 {hash}）与已签署/回执中的日志头（第 {head_seq} 条，哈希 {head_hash}）不符："
    "末尾的条目被删除或改动",
    "The audit log ends at entry {seq} (hash {hash}), not at the signed head (entry {head_seq}, hash "
    "{head_hash}): entries at the end were deleted or altered",
)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """Lower-case hex sha256 of the entry's RFC 8785 bytes."""
    return hashlib.sha256(canonical_bytes(dict(entry))).hexdigest()


def _entry_errors(entry: Any) -> str | None:
    """Why ``entry`` is not a well-formed audit entry, or None."""
    if not isinstance(entry, Mapping):
        return "not an object"
    if set(entry) != set(FIELDS):
        missing = sorted(set(FIELDS) - set(entry))
        extra = sorted(set(entry) - set(FIELDS))
        return f"fields missing {missing}, unexpected {extra}"
    if not isinstance(entry["device"], str) or not entry["device"]:
        return "device must be a non-empty string"
    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2**53 - 1:
        return "seq must be an integer from 1"
    if not isinstance(entry["time"], str) or not _is_time(entry["time"]):
        return "time must be ISO 8601 with an offset"
    if not isinstance(entry["action"], str) or not _ACTION.fullmatch(entry["action"]):
        return "action must be a lower-case word"
    if not isinstance(entry["subject"], str):
        return "subject must be a string"
    if not isinstance(entry["detail"], Mapping):
        return "detail must be an object"
    if not isinstance(entry["prev"], str) or not _HEX64.fullmatch(entry["prev"]):
        return "prev must be 64 lower-case hex digits"
    try:
        canonical_bytes(dict(entry))
    except (CanonicalizationError, TypeError, ValueError) as exc:
        return f"not representable as canonical JSON: {exc}"
    return None


def _is_time(text: str) -> bool:
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def make_entry(
    prev_entry: Mapping[str, Any] | None,
    device: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any],
    time: str,
) -> tuple[dict[str, Any], str]:
    """The next entry after ``prev_entry`` (None for the first) and its hash."""
    if prev_entry is None:
        seq, prev = 1, GENESIS
    else:
        reason = _entry_errors(prev_entry)
        if reason:
            raise InspectorError(BAD_ENTRY, reason=f"previous entry: {reason}")
        if prev_entry["device"] != device:
            raise InspectorError(BAD_ENTRY, reason=f"previous entry belongs to device {prev_entry['device']}")
        seq, prev = prev_entry["seq"] + 1, entry_hash(prev_entry)
    entry = {"device": device, "seq": seq, "time": time, "action": action, "subject": subject,
             "detail": dict(detail), "prev": prev}
    reason = _entry_errors(entry)
    if reason:
        raise InspectorError(BAD_ENTRY, reason=reason)
    return entry, entry_hash(entry)


def verify_chain(
    entries: Sequence[Mapping[str, Any]],
    *,
    anchor: tuple[int, str] = (0, GENESIS),
    head: tuple[int, str] | None = None,
) -> list[Problem]:
    """Everything wrong with a device's chain, each problem naming the entry's seq (empty = intact).

    ``entries`` are in stored order, starting at seq ``anchor[0] + 1`` whose ``prev`` must be
    ``anchor[1]`` (the defaults: a whole chain from seq 1). ``head``, when given, is the
    ``(seq, hash)`` of the last entry as recorded elsewhere (a signed record's ``audit_head``, a
    server receipt); without it, deleting or altering the tail cannot be seen.
    """
    problems: list[Problem] = []
    good: list[tuple[int, Mapping[str, Any]]] = []  # (seq, entry) of well-formed entries, in stored order
    device = None
    for position, entry in enumerate(entries, start=1):
        reason = _entry_errors(entry)
        if reason:
            seq = entry.get("seq", "?") if isinstance(entry, Mapping) else "?"
            problems.append(Problem(MALFORMED, f"seq {seq}", {"position": position, "seq": seq, "reason": reason}))
            continue
        if device is None:
            device = entry["device"]
        elif entry["device"] != device:
            problems.append(Problem(WRONG_DEVICE, f"seq {entry['seq']}",
                                    {"seq": entry["seq"], "found": entry["device"], "device": device}))
            continue
        good.append((entry["seq"], entry))

    # Order: sequence numbers must strictly increase in stored order.
    highest = anchor[0]
    seen: set[int] = set()
    for seq, _entry in good:
        if seq in seen:
            continue  # a duplicate, reported below
        if seq < highest:
            problems.append(Problem(OUT_OF_ORDER, f"seq {seq}", {"seq": seq, "after": highest}))
        seen.add(seq)
        highest = max(highest, seq)

    # Of entries sharing a seq, the one the chain goes on from (whose hash a later entry records
    # as its prev) is kept for the link checks; the others are the insertions.
    referenced = {entry["prev"] for _, entry in good}
    by_seq: dict[int, Mapping[str, Any]] = {}
    for seq, entry in good:
        if seq in by_seq:
            problems.append(Problem(DUPLICATE_SEQ, f"seq {seq}", {"seq": seq}))
            if entry_hash(by_seq[seq]) not in referenced and entry_hash(entry) in referenced:
                by_seq[seq] = entry
            continue
        by_seq[seq] = entry
    if not by_seq:
        if head is not None and head != anchor:
            problems.append(Problem(HEAD_MISMATCH, "head", {"seq": anchor[0], "hash": anchor[1],
                                                            "head_seq": head[0], "head_hash": head[1]}))
        return problems

    first, last = anchor[0] + 1, max(by_seq)
    for seq in sorted(s for s in by_seq if s < first):
        problems.append(Problem(MALFORMED, f"seq {seq}", {"position": "-", "seq": seq,
                                                           "reason": f"before the chain's start {first}"}))
    expected = first
    for seq in sorted(s for s in by_seq if s >= first):
        if seq > expected:  # a gap: report it as one range, however wide
            gap = str(expected) if seq == expected + 1 else f"{expected}-{seq - 1}"
            problems.append(Problem(MISSING, f"seq {gap}", {"seq": gap}))
        expected = seq + 1

    # Links: each entry's prev is the hash of the entry before it (across gaps nothing can be said).
    hashes = {seq: entry_hash(entry) for seq, entry in by_seq.items()}
    if first in by_seq and by_seq[first]["prev"] != anchor[1]:
        problems.append(Problem(BAD_START, f"seq {first}",
                                {"seq": first, "expected": anchor[1], "found": by_seq[first]["prev"]}))
    for seq in sorted(by_seq):
        nxt = seq + 1
        if seq >= first and nxt in by_seq and by_seq[nxt]["prev"] != hashes[seq]:
            problems.append(Problem(BROKEN_LINK, f"seq {seq}", {"seq": seq, "next": nxt}))

    if head is not None and (last, hashes[last]) != (head[0], head[1]):
        problems.append(Problem(HEAD_MISMATCH, "head", {"seq": last, "hash": hashes[last],
                                                        "head_seq": head[0], "head_hash": head[1]}))
    return problems
