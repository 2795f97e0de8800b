"""kill -9 during import: a child process imports files one by one and prints each sha256 once
put_file has returned (the acknowledgement); it is killed with SIGKILL at seeded random moments.
After every kill the vault must open cleanly, its leftover temp files must go, every acknowledged
object must be there and verify, and no object may hold anything but its sha256's bytes."""
from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inspector_app.store.vault import Vault

ROOT = Path(__file__).resolve().parent.parent
KEY = bytes(range(100, 132))
TRIALS = 10

CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from inspector_app.store.vault import Vault
vault = Vault(sys.argv[2], bytes.fromhex(sys.argv[3]))
print("ready", flush=True)
for path in sys.argv[4:]:
    result = vault.put_file(path)
    print(result.sha256, flush=True)
print("done", flush=True)
"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")]


def _run(vault_dir: Path, files: list[Path], kill: tuple[int, float] | None) -> tuple[list[str], float]:
    """Run the child. With ``kill=(k, delay)``, SIGKILL it ``delay`` seconds after its k-th
    acknowledgement (so the kill lands inside the next import, at a random point of it).
    Returns the acknowledged shas and how long the imports ran."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(vault_dir), KEY.hex(), *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: list[bytes] = []  # complete lines only: a sha cut by the kill was never acknowledged
    try:
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read().decode()
        start = time.monotonic()
        if kill is None:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode()
            lines = out.split(b"\n")[:-1]
        else:
            k, delay = kill
            while len(lines) < k:
                line = proc.stdout.readline()
                if not line.endswith(b"\n"):
                    break
                lines.append(line[:-1])
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=60)
            lines += out.split(b"\n")[:-1]
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    acked = [line.decode() for line in lines if re.fullmatch(rb"[0-9a-f]{64}", line)]
    return acked, elapsed


def test_kill_minus_nine_during_import_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(4_2024_05)
    src = tmp_path / "card"
    src.mkdir()
    files, expected = [], {}
    for i in range(16):
        data = rng.randbytes(rng.randint(256 << 10, 4 << 20))
        path = src / f"CLIP{i:04d}.MP4"
        path.write_bytes(data)
        files.append(path)
        expected[hashlib.sha256(data).hexdigest()] = len(data)
    (src / "COPY0001.MP4").write_bytes(files[0].read_bytes())  # a duplicate: the stored-once path
    files.append(src / "COPY0001.MP4")
    vault_dir = tmp_path / "data" / "vault"
    Vault(vault_dir, KEY)

    # one uninterrupted run into a scratch vault tells how long the imports take here
    _, full = _run(tmp_path / "scratch", files, None)

    acknowledged: set[str] = set()
    leftovers = interrupted = 0
    for _ in range(TRIALS):
        order = files[:]
        rng.shuffle(order)
        acked, _ = _run(vault_dir, order, (rng.randrange(len(order)), rng.uniform(0, 1.5 * full / len(order))))
        assert set(acked) <= set(expected)
        acknowledged |= set(acked)
        interrupted += len(acked) < len(order)

        leftovers += len(os.listdir(vault_dir / "tmp"))  # temp files the kill left behind
        vault = Vault(vault_dir, KEY)  # reopening cleans them up
        assert os.listdir(vault.tmp_dir) == [], "cleanup_temps left files behind"
        objects = list(vault.iter_objects())
        assert acknowledged <= set(objects), "an acknowledged import was lost"
        for sha in objects:
            assert sha in expected, "an object that is no file's hash"
            assert vault.verify(sha) == expected[sha]
    assert interrupted >= TRIALS // 2, "the kills should mostly land mid-import"
    print(f"{interrupted} of {TRIALS} runs killed mid-import, {leftovers} temp files cleaned up, "
          f"{len(acknowledged)} acknowledged objects all present and verified")
