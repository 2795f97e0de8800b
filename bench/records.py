"""Benchmark: signed records and bundles against raw baselines measured in the same run.

1. A record with 50 findings and 200 evidence references: producing and signing it
   (validate + canonicalize + two Ed25519 signatures) against two raw Ed25519 signatures of the same
   bytes; checking its signatures, and fully verifying it (parse, canonical form, schema and rules,
   signatures), against two raw Ed25519 verifications.
2. A bundle of ~1 GiB (a few large evidence files, stored uncompressed as the writer does):
   ``verify_bundle`` against raw sha256 over the same evidence bytes read from the original files
   (what ``sha256sum`` does). Goal: verification within 1.3x raw sha256.

    .venv/bin/python bench/records.py [--size-mib 1024] [--files 4] [--rounds 5]

Prints each measurement, the ratios, and a final RESULT line. The files live in a temporary
directory that is removed at the end. Timings are best (and median) of interleaved rounds after two warm-up
rounds, with the files in the page cache for both sides.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from inspector_app.crypto import signing  # noqa: E402
from inspector_app.domain import bundle, record  # noqa: E402

GOAL = 1.3
CERTS = ("35010001", "35010002")


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def people(keys):
    return [{"name": name, "cert": cert, "public_key": signing.b64(signing.public_key_of(key))}
            for name, cert, key in zip(("王五", "赵六"), CERTS, keys)]


def bench_record(rounds: int) -> None:
    keys = [signing.generate_private_key() for _ in CERTS]
    inspectors = people(keys)
    evidence = [(hashlib.sha256(n.to_bytes(4, "big")).hexdigest(), 1_000_000 + n) for n in range(200)]
    payload = record.example_payload(inspectors, evidence=evidence, findings=50)
    data = record.record_bytes(payload)
    signers = list(zip(CERTS, keys))
    signatures = record.sign_record(data, signers)
    public_keys = {i["cert"]: i["public_key"] for i in inspectors}
    raw_private = [Ed25519PrivateKey.from_private_bytes(k) for k in keys]
    raw_public = [k.public_key() for k in raw_private]
    raw_sigs = [signing.unb64(s["signature"]) for s in signatures]

    def raw_sign():
        for key in raw_private:
            key.sign(data)

    def app_sign():
        signed = record.record_bytes(payload)
        record.sign_record(signed, signers)

    def raw_verify():
        for key, sig in zip(raw_public, raw_sigs):
            key.verify(sig, data)

    def app_check():
        assert not record.check_signatures(data, signatures, public_keys)

    def app_full():
        parsed = record.parse_record(data)
        assert not record.record_problems(parsed)
        assert not record.check_signatures(data, signatures, public_keys)

    n = max(rounds * 10, 20)
    results = {name: min(timed(fn, n)) for name, fn in (
        ("raw Ed25519 sign x2", raw_sign), ("record_bytes + sign_record", app_sign),
        ("raw Ed25519 verify x2", raw_verify), ("check_signatures", app_check),
        ("parse + validate + check_signatures", app_full))}
    print(f"Record: 50 findings, 200 evidence references, {len(data):,} canonical bytes, 2 signers")
    for name, seconds in results.items():
        print(f"  {name:<38} {seconds * 1000:9.3f} ms")
    print(f"  sign:   {results['record_bytes + sign_record'] / results['raw Ed25519 sign x2']:8.1f}x raw Ed25519 "
          "(validation against the schema and rules dominates)")
    print(f"  verify: {results['check_signatures'] / results['raw Ed25519 verify x2']:8.1f}x raw Ed25519 (signatures only), "
          f"{results['parse + validate + check_signatures'] / results['raw Ed25519 verify x2']:.1f}x with schema and rules")


def write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 16 << 20))
            digest.update(block)
            out.write(block)
            left -= len(block)
    return digest.hexdigest()


def raw_sha256(paths: list[Path]) -> None:
    buffer = bytearray(4 << 20)
    view = memoryview(buffer)
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb", buffering=0) as fh:
            while n := fh.readinto(view):
                digest.update(view[:n])
        digest.hexdigest()


def bench_bundle(size_mib: int, files: int, rounds: int) -> float:
    keys = [signing.generate_private_key() for _ in CERTS]
    inspectors = people(keys)
    with tempfile.TemporaryDirectory(prefix="inspector-bench-") as tmp:
        root = Path(tmp)
        each = (size_mib << 20) // files
        paths, shas = [], []
        for n in range(files):
            path = root / f"clip{n}.mp4"
            shas.append(write_random(path, each))
            paths.append(path)
        total = each * files
        payload = record.example_payload(inspectors, evidence=[(s, each) for s in shas], findings=files)
        data = record.record_bytes(payload)
        signatures = record.sign_record(data, list(zip(CERTS, keys)))
        out = root / "bundle.zip"
        openers = {s: (lambda p=p: open(p, "rb")) for s, p in zip(shas, paths)}
        start = time.perf_counter()
        bundle.write_bundle(out, record=data, signatures=signatures, evidence=openers,
                            public_keys={i["cert"]: i["public_key"] for i in inspectors})
        write_seconds = time.perf_counter() - start

        verdicts = []

        def verify():
            verdicts.append(bundle.verify_bundle(out))

        # Interleave the two so that neither enjoys a warmer cache or a quieter machine.
        raw_times, verify_times = [], []
        for _ in range(2):  # warm-up: page cache, and the writeback of the files just written
            raw_sha256(paths)
            verify()
        for _ in range(rounds):
            raw_times.append(once(lambda: raw_sha256(paths)))
            verify_times.append(once(verify))
        assert all(v.genuine for v in verdicts), verdicts[-1].render("en")
        raw_best, verify_best = min(raw_times), min(verify_times)
        mib = total / (1 << 20)
        print(f"Bundle: {files} evidence files, {mib:,.0f} MiB stored, bundle file {out.stat().st_size / (1 << 20):,.1f} MiB")
        print(f"  write_bundle (stream + sha256 + fsync)   {write_seconds:8.3f} s  {mib / write_seconds:8.0f} MiB/s")
        print(f"  raw sha256 of the evidence files         {raw_best:8.3f} s  {mib / raw_best:8.0f} MiB/s"
              f"  (median {statistics.median(raw_times):.3f} s)")
        print(f"  verify_bundle                            {verify_best:8.3f} s  {mib / verify_best:8.0f} MiB/s"
              f"  (median {statistics.median(verify_times):.3f} s)")
        ratio = verify_best / raw_best
        print(f"  verify / raw sha256: {ratio:.3f}x (median {statistics.median(verify_times) / statistics.median(raw_times):.3f}x)")
        return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    bench_record(args.rounds)
    ratio = bench_bundle(args.size_mib, args.files, args.rounds)
    verdict = "PASS" if ratio <= GOAL else "FAIL"
    print(f"RESULT: {verdict}: verifying a {args.size_mib} MiB bundle takes {ratio:.2f}x raw sha256 "
          f"over the same evidence (goal <= {GOAL}x)")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
