"""The per-device audit hash chain."""
from __future__ import annotations

import copy
import hashlib

import pytest

from inspector_app.crypto.canonical import canonical_bytes
from inspector_app.domain.audit import GENESIS, entry_hash, make_entry, verify_chain
from inspector_app.domain.messages import InspectorError

ACTIONS = ["import", "edit", "edit", "sign", "print", "export", "sync", "number"]


def chain(n=8, device="laptop-01"):
    entries, prev = [], None
    for i in range(n):
        entry, digest = make_entry(prev, device, ACTIONS[i % len(ACTIONS)], f"subject-{i}",
                                   {"n": i, "note": "现场检查"}, f"2025-06-30T09:{i:02d}:00+08:00")
        assert digest == entry_hash(entry)
        entries.append(entry)
        prev = entry
    return entries


def found(problems):
    return [(p.code, p.subject) for p in problems]


def test_entries_link_by_canonical_hash():
    entries = chain(3)
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev"] == GENESIS
    assert entries[1]["prev"] == hashlib.sha256(canonical_bytes(entries[0])).hexdigest()
    assert set(entries[0]) == {"device", "seq", "time", "action", "subject", "detail", "prev"}


def test_intact_chain_verifies():
    entries = chain()
    assert verify_chain(entries) == []
    assert verify_chain(entries, head=(8, entry_hash(entries[-1]))) == []
    assert verify_chain([]) == []


def test_deleted_entry_is_named():
    entries = chain()
    del entries[3]
    assert found(verify_chain(entries)) == [("audit.missing_entry", "seq 4")]


def test_deleted_run_is_one_problem():
    entries = chain()
    del entries[2:5]
    assert found(verify_chain(entries)) == [("audit.missing_entry", "seq 3-5")]


def test_altered_entry_is_named():
    entries = chain()
    entries[4]["detail"]["note"] = "改过"
    assert found(verify_chain(entries)) == [("audit.broken_link", "seq 5")]
    assert "5" in verify_chain(entries)[0].text("zh")


def test_reordered_entries_are_named():
    entries = chain()
    entries[2], entries[3] = entries[3], entries[2]
    assert found(verify_chain(entries)) == [("audit.out_of_order", "seq 3")]


def test_inserted_entry_is_detected():
    entries = chain()
    forged, _ = make_entry(entries[2], "laptop-01", "edit", "forged", {}, "2025-06-30T09:03:30+08:00")
    with_duplicate = entries[:3] + [forged] + entries[3:]
    assert found(verify_chain(with_duplicate)) == [("audit.duplicate_seq", "seq 4")]

    # Renumbering what follows does not help: the renumbered entries no longer hash as before.
    renumbered = copy.deepcopy(entries[3:])
    for e in renumbered:
        e["seq"] += 1
    problems = found(verify_chain(entries[:3] + [forged] + renumbered))
    assert ("audit.broken_link", "seq 4") in problems


def test_tail_changes_need_the_head():
    entries = chain()
    head = (8, entry_hash(entries[-1]))
    assert verify_chain(entries[:-1]) == []  # a chain alone cannot show a lost tail…
    assert found(verify_chain(entries[:-1], head=head)) == [("audit.head_mismatch", "head")]  # …its head can
    entries[-1]["subject"] = "changed"
    assert found(verify_chain(entries, head=head)) == [("audit.head_mismatch", "head")]


def test_wrong_start_and_foreign_device():
    entries = chain()
    assert found(verify_chain(entries[2:])) == [("audit.missing_entry", "seq 1-2")]
    assert verify_chain(entries[2:], anchor=(2, entry_hash(entries[1]))) == []
    assert found(verify_chain(entries[2:], anchor=(2, "1" * 64))) == [("audit.bad_start", "seq 3")]
    other = chain(8, device="laptop-02")
    mixed = entries[:4] + [other[4]] + entries[5:]
    assert found(verify_chain(mixed)) == [("audit.wrong_device", "seq 5"), ("audit.missing_entry", "seq 5")]


def test_malformed_entries_are_reported_not_raised():
    entries = chain(3)
    bad = copy.deepcopy(entries)
    bad[1]["seq"] = "2"
    bad.append("not an entry")
    codes = [p.code for p in verify_chain(bad)]
    assert codes.count("audit.malformed") == 2


def test_make_entry_refuses_bad_input():
    first, _ = make_entry(None, "laptop-01", "import", "x", {}, "2025-06-30T09:00:00+08:00")
    with pytest.raises(InspectorError) as info:
        make_entry(first, "laptop-02", "edit", "x", {}, "2025-06-30T09:00:00+08:00")
    assert info.value.code == "audit.bad_entry"
    for action, time in [("Edit!", "2025-06-30T09:00:00+08:00"), ("edit", "2025-06-30 09:00"),
                         ("edit", "2025-06-30T09:00:00")]:
        with pytest.raises(InspectorError):
            make_entry(first, "laptop-01", action, "x", {}, time)
    with pytest.raises(InspectorError):
        make_entry(first, "laptop-01", "edit", "x", {"n": float("nan")}, "2025-06-30T09:00:00+08:00")
