"""Document numbers: format and parse, blocks that never collide between offline laptops, exhaustion."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, strategies as st

from inspector_app.domain.messages import InspectorError
from inspector_app.domain.numbering import (
    LOCAL_SIZE, MAX_SLOT, PREFIXES, SERVER_MAX, DocumentNumber, NumberBlock, format_number, is_provisional,
    local_block, next_number, parse_number, remaining, slot_from_device_id, slot_of,
)


def test_format_matches_the_reference_example():
    assert format_number("文", "应急责改", 2025, 12) == "（文）应急责改〔2025〕12号"


@given(
    short=st.sampled_from(["文", "某", "高新", "经开"]),
    prefix=st.sampled_from(PREFIXES),
    year=st.integers(2000, 2100),
    n=st.integers(1, 999_999),
)
def test_format_parse_round_trip(short, prefix, year, n):
    text = format_number(short, prefix, year, n)
    parsed = parse_number(text)
    assert parsed == DocumentNumber(short, prefix, year, n)
    assert str(parsed) == text


@pytest.mark.parametrize("typed", ["(文)应急责改[2025]12号", "（文） 应急责改 〔2025〕 12 号", "（文）应急责改［2025］12号"])
def test_parse_accepts_hand_typed_brackets(typed):
    assert str(parse_number(typed)) == "（文）应急责改〔2025〕12号"


@pytest.mark.parametrize("bad", ["", "应急责改〔2025〕12号", "（文）应急责改〔25〕12号", "（文）应急责改〔2025〕号",
                                 "（文）应急责改〔2025〕0号", "（文）〔2025〕12号", "（文）应急责改〔2025〕12", "random"])
def test_parse_rejects_malformed(bad):
    with pytest.raises(InspectorError) as err:
        parse_number(bad)
    assert err.value.code == "numbering.bad_number"


def test_local_blocks_of_different_devices_never_overlap():
    blocks = [local_block(prefix, 2025, slot, f"dev-{slot}") for prefix in PREFIXES for slot in range(1, MAX_SLOT + 1)]
    for a, b in itertools.combinations(blocks, 2):
        assert not a.overlaps(b)
        if a.kind_prefix == b.kind_prefix:
            assert a.end < b.start or b.end < a.start
    for block in blocks:
        assert block.source == "local" and len(block) == LOCAL_SIZE
        assert block.start > SERVER_MAX and is_provisional(block.start) and is_provisional(block.end)
        assert slot_of(block.start) == slot_of(block.end) == block.start // 10000


def test_local_blocks_are_deterministic():
    assert local_block("应急责改", 2025, 3, "a") == local_block("应急责改", 2025, 3, "a")
    assert local_block("应急责改", 2025, 3, "a").start == 30001


def test_two_offline_laptops_issue_disjoint_numbers():
    used = {1: set(), 2: set()}
    blocks = {slot: [local_block("应急责改", 2025, slot, f"laptop-{slot}")] for slot in used}
    for _ in range(500):
        for slot in used:
            used[slot].add(next_number(blocks[slot], used[slot]))
    assert len(used[1]) == len(used[2]) == 500
    assert not used[1] & used[2]


def test_next_number_prefers_server_blocks_and_never_reuses():
    server = NumberBlock("应急责改", 2025, 11, 13, "server", "dev-1")
    local = local_block("应急责改", 2025, 4, "dev-1")
    blocks = [local, server]
    used: set[int] = set()
    issued = []
    for _ in range(5):
        n = next_number(blocks, used)
        used.add(n)
        issued.append(n)
    assert issued == [11, 12, 13, 40001, 40002]
    assert slot_of(11) is None and slot_of(40001) == 4
    # A voided number stays used: never printed again.
    assert next_number(blocks, used | {40003}) == 40004
    assert remaining(blocks, used) == 3 + LOCAL_SIZE - 5


def test_exhaustion_is_an_error_not_a_guess():
    block = NumberBlock("应急现决", 2025, 1, 3, "server", "dev-1")
    with pytest.raises(InspectorError) as err:
        next_number([block], {1, 2, 3})
    assert err.value.code == "numbering.exhausted" and "应急现决" in err.value.text()
    with pytest.raises(InspectorError) as err:
        next_number([], set(), kind_prefix="应急现决", year=2025)
    assert err.value.code == "numbering.exhausted"


def test_blocks_are_filtered_by_prefix_and_year():
    blocks = [
        NumberBlock("应急责改", 2025, 1, 5, "server", "d"),
        NumberBlock("应急检记", 2025, 100, 105, "server", "d"),
        NumberBlock("应急责改", 2026, 1, 5, "server", "d"),
    ]
    assert next_number(blocks, {1}, kind_prefix="应急责改", year=2025) == 2
    assert next_number(blocks, set(), kind_prefix="应急检记", year=2025) == 100
    with pytest.raises(ValueError):
        next_number(blocks, set())


@pytest.mark.parametrize(
    "args",
    [
        ("应急责改", 2025, 5, 4, "server", "d"),  # empty
        ("应急责改", 2025, 0, 4, "server", "d"),  # zero
        ("应急责改", 2025, 9000, 10500, "server", "d"),  # server block into the provisional range
        ("应急责改", 2025, 10001, 20005, "local", "d"),  # local block across two device ranges
        ("应急责改", 2025, 1, 5, "local", "d"),  # local block in the official range
        ("应急责改", 2025, 1, 5, "cloud", "d"),
    ],
)
def test_bad_blocks_are_refused(args):
    with pytest.raises(InspectorError) as err:
        NumberBlock(*args)
    assert err.value.code == "numbering.bad_block"


@pytest.mark.parametrize("slot", [0, -1, MAX_SLOT + 1, True, "3"])
def test_bad_slots_are_refused(slot):
    with pytest.raises(InspectorError) as err:
        local_block("应急责改", 2025, slot, "d")
    assert err.value.code == "numbering.bad_slot"


def test_slot_from_device_id_is_deterministic_and_in_range():
    slots = {slot_from_device_id(f"device-{i}") for i in range(200)}
    assert all(1 <= s <= MAX_SLOT for s in slots)
    assert slot_from_device_id("device-1") == slot_from_device_id("device-1")
