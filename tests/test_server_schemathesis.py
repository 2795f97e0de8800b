"""Schemathesis against the published OpenAPI description: generated requests (valid and invalid)
to every operation, as an enrolled device, must never get a 5xx. Bounded: a few examples per
operation and a time budget."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server_fixtures import *  # noqa: F401,F403

ST = Path(sys.executable).parent / "st"


def test_no_server_errors_on_generated_requests(server, tmp_path):
    assert ST.exists(), "schemathesis is not installed: it is pinned in requirements-dev.txt (schemathesis==4.32.5)"
    device = enrol(server)
    result = subprocess.run(
        [str(ST), "run", server.url + "/openapi.json", "--checks", "not_a_server_error", "--max-examples", "25",
         "--seed", "8", "--no-shrink", "--request-timeout", "20", "--workers", "1",
         "-H", f"Authorization: Bearer {device['token']}", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)  # its .schemathesis/ cache goes there
    tail = result.stdout[-4000:]
    assert result.returncode == 0, tail + result.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail.split("SUMMARY")[-1].lower().replace("0 failed", "")
