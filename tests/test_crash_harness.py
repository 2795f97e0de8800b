"""A short run of tools/crash_harness.py: SIGKILL at random moments, nothing acknowledged lost."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import crash_harness  # noqa: E402


@pytest.mark.slow
def test_random_kills_lose_nothing_acknowledged(capsys):
    """Import, editing, signing, numbering and sync to a county server on loopback."""
    totals = crash_harness.run(trials=6, seed=2025, max_delay=5.0, quiet=True, sync=True)
    with capsys.disabled():
        print(f"\ncrash harness: {totals['trials']} trials, {totals['killed']} killed, "
              f"{totals['acknowledged']} acknowledged ({totals['kinds']}), {totals['losses']} lost")
    assert totals["problems"] == []
    assert totals["trials"] == 6 and totals["killed"] >= 5 and totals["acknowledged"] > 10


def test_the_checker_notices_a_loss(tmp_path):
    data = crash_harness.prepare(tmp_path)
    assert crash_harness.check(data, []) == []
    problems = crash_harness.check(data, [("record", "f" * 64), ("evidence", "0" * 64)])
    assert any("record" in p and "lost" in p for p in problems)
    assert any("evidence" in p and "lost" in p for p in problems)
