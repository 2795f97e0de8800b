"""Benchmark: importing a large file into the vault against raw SHA-256 of the same file.

    .venv/bin/python bench/vault.py [--size-mib 1024] [--repeat 3] [--dir DIR]

Writes a random file (fsynced, so its own write-back does not disturb the measurements), then, in
fresh child processes, alternately (a) reads it and hashes it with hashlib.sha256 — the baseline —
and (b) imports it with Vault.put_file (hash + encrypt + write + fsync + rename), and (c) writes
as many bytes plainly and fsyncs them once, to show what the disk gives a naive writer. Each figure is
the best of ``--repeat`` runs, and every run reads a warm page cache, so both sides read at memory
speed and the comparison isolates what the vault adds. Peak memory growth is measured in the child
as VmHWM after the work minus VmRSS before it (the high-water mark is reset through
/proc/self/clear_refs first; tracemalloc would miss C buffers). Goal (issue 4): >= 0.6x and
< 64 MiB.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_kib() -> int:
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, path: str, vault_dir: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    if mode == "vault":
        from inspector_app.store.vault import Vault

        vault = Vault(vault_dir, b"k" * 32)
    rss_before = _status_kib("VmRSS") or _peak_kib()
    reset = _reset_peak()
    t0 = time.perf_counter()
    if mode == "sha256":
        h = hashlib.sha256()
        buf = bytearray(MIB)
        view = memoryview(buf)
        with open(path, "rb", buffering=0) as f:
            while n := f.readinto(buf):
                h.update(view[:n])
        digest, size = h.hexdigest(), os.path.getsize(path)
    elif mode == "disk":  # a naive writer: the same amount written, then one fsync
        block = os.urandom(MIB)
        size = os.path.getsize(path)
        target = Path(vault_dir) / "disk-baseline.bin"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for _ in range(size // MIB):
                os.write(fd, block)
            os.write(fd, block[:size % MIB])
            os.fsync(fd)
        finally:
            os.close(fd)
            os.remove(target)
        digest = ""
    elif mode == "vault":
        result = vault.put_file(path)
        digest, size = result.sha256, result.size
    elif mode == "verify":
        from inspector_app.store.vault import Vault

        vault = Vault(vault_dir, b"k" * 32)
        digest = next(vault.iter_objects())
        size = vault.verify(digest)
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "size": size, "sha256": digest, "rss_before_kib": rss_before,
                      "peak_kib": _peak_kib(), "peak_reset": reset}))


def run_child(mode: str, path: Path, vault_dir: Path | None = None) -> dict:
    args = [sys.executable, __file__, "--child", mode, str(path)]
    if vault_dir is not None:
        args.append(str(vault_dir))
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def write_random(path: Path, size: int) -> None:
    block = 16 * MIB
    with open(path, "wb", buffering=0) as f:
        left = size
        while left:
            n = min(block, left)
            f.write(os.urandom(n))
            left -= n
        os.fsync(f.fileno())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None, help="where to put the file and the vault (default: a temp dir)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2] if len(args.child) > 2 else None)
        return 0

    work = Path(tempfile.mkdtemp(prefix="inspector-bench-", dir=args.dir))
    try:
        src = work / "evidence.bin"
        size = args.size_mib * MIB
        print(f"writing {args.size_mib} MiB of random data to {src} …", flush=True)
        write_random(src, size)
        vault_dir = work / "vault"
        run_child("sha256", src)  # warm the page cache
        sha_runs, vault_runs, disk_runs = [], [], []
        for i in range(args.repeat):
            sha_runs.append(run_child("sha256", src))
            shutil.rmtree(vault_dir, ignore_errors=True)
            os.sync()  # start each import with no write-back pending from the previous one
            vault_runs.append(run_child("vault", src, vault_dir))
            assert vault_runs[-1]["sha256"] == sha_runs[-1]["sha256"], "vault and hashlib disagree"
            os.sync()
            disk_runs.append(run_child("disk", src, work))
            print(f"  run {i + 1}: sha256 {size / MIB / sha_runs[-1]['seconds']:.0f} MiB/s, "
                  f"vault import {size / MIB / vault_runs[-1]['seconds']:.0f} MiB/s, "
                  f"plain write {size / MIB / disk_runs[-1]['seconds']:.0f} MiB/s", flush=True)
        verify = run_child("verify", src, vault_dir)
        best_sha = min(r["seconds"] for r in sha_runs)
        best_vault = min(r["seconds"] for r in vault_runs)
        sha_mibs = size / MIB / best_sha
        vault_mibs = size / MIB / best_vault
        growth = max((r["peak_kib"] - r["rss_before_kib"]) for r in vault_runs) / 1024
        sha_growth = max((r["peak_kib"] - r["rss_before_kib"]) for r in sha_runs) / 1024
        ratio = vault_mibs / sha_mibs
        print(f"raw sha256:    {sha_mibs:8.0f} MiB/s  (best of {args.repeat}; peak RSS growth {sha_growth:.0f} MiB)")
        print(f"vault import:  {vault_mibs:8.0f} MiB/s  (best of {args.repeat}; hash + encrypt + write + fsync)")
        disk_mibs = size / MIB / min(r["seconds"] for r in disk_runs)
        print(f"plain write:   {disk_mibs:8.0f} MiB/s  (best of {args.repeat}; as many bytes written, then one fsync: "
              "what this disk gives a naive writer)")
        print(f"vault verify:  {size / MIB / verify['seconds']:8.0f} MiB/s  (decrypt + authenticate + re-hash, "
              "read back from disk)")
        if not all(r["peak_reset"] for r in vault_runs):
            print("note: peak RSS could not be reset; growth is measured against the child's start-up peak")
        ok = ratio >= 0.6 and growth < 64
        print(f"vault import: {ratio:.2f}x raw sha256 ({vault_mibs:.0f} MiB/s vs {sha_mibs:.0f} MiB/s), "
              f"peak RSS growth {growth:.0f} MiB [{'goal met' if ok else 'GOAL MISSED'}: >= 0.6x, < 64 MiB]")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
