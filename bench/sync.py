"""Sync benchmarks against a real inspector-server on loopback, each with its baseline in the same run.

1. Evidence upload: 1 GiB of evidence, imported into a real (encrypted) vault, uploaded by the sync
   client (tus, resumable, per-chunk checksum on plain HTTP, server-side sha256 before commit),
   against a raw streaming PUT of the same bytes with httpx to a trivial endpoint that reads and
   discards the body, served by the same uvicorn process. Goal: ≥ 0.7 of raw.
2. Record pushes: 50 simulated devices push 20 signed records each, concurrently; every receipt is
   verified; then the database must hold each record exactly once. Prints records/s.

    .venv/bin/python bench/sync.py [--size-mib 1024] [--devices 50] [--records 20] [--db URL]
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from inspector_app.crypto import signing  # noqa: E402
from inspector_app.domain import record as record_rules  # noqa: E402

SERVER = r"""
import sys, uvicorn
from pathlib import Path
from starlette.requests import Request
from starlette.responses import JSONResponse
from sync.server.context import Context
from sync.server.settings import Settings, load_secrets
from sync.server.app import create_app

settings = load_secrets(Settings(data_dir=Path(sys.argv[1]), db_url=sys.argv[3] or None))
settings.max_upload = 4 * 1024**3
app = create_app(Context.open(settings))

@app.put("/api/v1/uploads-baseline/sink", include_in_schema=False)
async def sink(request: Request):
    n = 0
    async for piece in request.stream():
        n += len(piece)
    return JSONResponse({"received": n})

@app.put("/api/v1/uploads-baseline/store", include_in_schema=False)
async def store(request: Request):
    # The least any server that keeps evidence must do: write the bytes to a file and hash them.
    import hashlib, os
    digest, n = hashlib.sha256(), 0
    with open(settings.uploads_dir / "baseline.bin", "wb") as f:
        async for piece in request.stream():
            f.write(piece)
            digest.update(piece)
            n += len(piece)
        f.flush()
        os.fsync(f.fileno())
    os.unlink(settings.uploads_dir / "baseline.bin")
    return JSONResponse({"received": n, "sha256": digest.hexdigest()})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data_dir: Path, *args: str):
    from sync.server.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--data-dir", str(data_dir), *args])
    if code != 0:
        raise SystemExit(f"inspector-server {' '.join(args)} failed ({code})")
    return json.loads(out.getvalue())


@contextlib.contextmanager
def running_server(data_dir: Path, db: str | None):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data_dir), str(port), db or ""], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/api/v1/server-key", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Officer:
    def __init__(self, name, cert):
        self.name, self.cert = name, cert
        self.private = signing.generate_private_key()
        self.public = signing.b64(signing.public_key_of(self.private))


def signed(officers, device_id: str, seq: int, evidence=()):
    payload = record_rules.example_payload([{"name": o.name, "cert": o.cert, "public_key": o.public} for o in officers],
                                           evidence=list(evidence), device_id=device_id,
                                           inspection_id=str(uuid.uuid4()))
    payload["audit_head"] = {"device": device_id, "seq": seq, "hash": hashlib.sha256(str(seq).encode()).hexdigest()}
    data = record_rules.record_bytes(payload)
    return data, record_rules.sign_record(data, [(o.cert, o.private) for o in officers]), record_rules.record_hash(data)


def enrol(url: str, data_dir: Path, name: str) -> dict:
    code = cli(data_dir, "admin", "enrol-device", name, "--json")["code"]
    device_id = "bench-" + uuid.uuid4().hex[:8]
    r = httpx.post(url + "/api/v1/devices/enrol", json={"code": code, "name": name, "device_id": device_id,
                                                        "public_key": signing.b64(bytes(32))})
    r.raise_for_status()
    return r.json()


# --- 1. evidence upload vs raw ----------------------------------------------------------------------
def bench_upload(work: Path, url: str, data_dir: Path, officers, size: int, checksum: str | None = "auto") -> dict:
    from inspector_app.crypto.keyslot import generate_vault_key
    from inspector_app.store import models as store_models
    from inspector_app.store.db import Store
    from inspector_app.store.vault import Vault
    from sync.client.engine import SyncClient

    plain = work / "evidence.mp4"
    block = os.urandom(1 << 20)
    with open(plain, "wb") as f:
        for i in range(size >> 20):
            f.write(hashlib.sha256(i.to_bytes(8, "big")).digest() + block[32:])
    sha = hashlib.sha256()
    with open(plain, "rb") as f:
        while b := f.read(8 << 20):
            sha.update(b)
    sha = sha.hexdigest()
    vault = Vault(work / "vault", generate_vault_key())
    t = time.perf_counter()
    put = vault.put_file(plain)
    import_s = time.perf_counter() - t
    assert vault.has(sha), put

    # Baseline: the same bytes, streamed raw to a trivial endpoint on the same uvicorn.
    def chunks():
        with open(plain, "rb") as f:
            while b := f.read(1 << 20):
                yield b

    def raw_put(endpoint: str) -> float:
        times = []
        for _ in range(2):
            t = time.perf_counter()
            r = httpx.put(url + endpoint, content=chunks(), headers={"Content-Length": str(size)}, timeout=600)
            times.append(time.perf_counter() - t)
            assert r.json()["received"] == size
        return min(times)

    raw_s = raw_put("/api/v1/uploads-baseline/sink")
    stored_s = raw_put("/api/v1/uploads-baseline/store")

    # The client: a device store with one signed record citing the 1 GiB original in the vault.
    device = enrol(url, data_dir, "bench-upload")
    store = Store(work / "device").open()
    data, sigs, h = signed(officers, device["device_id"], 1, evidence=[(sha, size)])
    payload = json.loads(data)
    with store.write() as s:
        s.add(store_models.Enterprise(code=payload["enterprise"]["code"], name="示例", address="", kind="production",
                                      industry="", township="", legal_representative="", contact_name="",
                                      contact_phone="", licences=[], major_hazard_sources=[], key_processes=[],
                                      key_chemicals=[], updated_at="x"))
        s.flush()
        s.add(store_models.Inspection(id=payload["inspection_id"], enterprise_code=payload["enterprise"]["code"],
                                      status="draft", inspectors=[o.cert for o in officers], catalogues=[], place="",
                                      created_at="x", started_at="x", updated_at="x"))
        s.flush()
        s.add(store_models.Record(hash=h, inspection_id=payload["inspection_id"], payload=data, signatures=sigs,
                                  created_at="x"))
    from sync.client.queue import SyncQueue

    SyncQueue(store).set_config(server_url=url, token=device["token"], server_public_key=device["server_public_key"])
    client = SyncClient(store, device["device_id"], evidence=vault.open, checksum=checksum)
    t = time.perf_counter()
    summary = client.run(pull=False)
    client_s = time.perf_counter() - t
    assert summary.ok, summary.to_dict()
    assert summary.bytes_sent == size
    store.close()
    return {"size_mib": size >> 20, "vault_import_s": round(import_s, 2), "raw_s": round(raw_s, 2),
            "raw_mib_s": round(size / raw_s / 2**20, 1), "raw_store_s": round(stored_s, 2),
            "raw_store_mib_s": round(size / stored_s / 2**20, 1), "client_s": round(client_s, 2),
            "client_mib_s": round(size / client_s / 2**20, 1), "ratio": round(raw_s / client_s, 3),
            "ratio_vs_raw_store": round(stored_s / client_s, 3), "checksum": client._checksum_for(url)}


# --- 2. 50 devices × 20 records ---------------------------------------------------------------------
def bench_records(url: str, data_dir: Path, officers, devices: int, per_device: int, db: str | None) -> dict:
    from sync.client.api import ServerAPI
    from sync.protocol import wire

    enrolled = [enrol(url, data_dir, f"bench-device-{n:02d}") for n in range(devices)]
    work = {d["device_id"]: [signed(officers, d["device_id"], seq) for seq in range(1, per_device + 1)]
            for d in enrolled}
    errors, receipts = [], []
    lock = threading.Lock()

    def device_run(d):
        with ServerAPI(url, d["token"]) as api:
            for data, sigs, h in work[d["device_id"]]:
                try:
                    _status, answer = api.push_record(signing.b64(data), sigs)
                    problems = wire.receipt_problems(answer, d["server_public_key"], record=h, device=d["device_id"])
                    with lock:
                        (errors.append(problems) if problems else receipts.append(answer["receipt"]["seq"]))
                except Exception as exc:  # counted, not raised: the figure is the error count
                    with lock:
                        errors.append(repr(exc))

    t = time.perf_counter()
    with ThreadPoolExecutor(devices) as pool:
        list(pool.map(device_run, enrolled))
    elapsed = time.perf_counter() - t

    from sqlalchemy import func, select

    from sync.server.db import Database
    from sync.server.records.models import StoredRecord

    database = Database(db or f"sqlite:///{data_dir / 'server.db'}")
    with database.read() as s:
        stored = s.scalar(select(func.count()).select_from(StoredRecord).where(StoredRecord.hash.in_(
            [h for items in work.values() for _, _, h in items])))
        distinct = s.scalar(select(func.count(func.distinct(StoredRecord.hash))))
        total = s.scalar(select(func.count()).select_from(StoredRecord))
    database.close()
    n = devices * per_device
    return {"devices": devices, "records": n, "errors": len(errors), "stored": stored, "stored_once": distinct == total,
            "unique_receipt_seqs": len(set(receipts)) == len(receipts), "seconds": round(elapsed, 2),
            "records_per_s": round(n / elapsed, 1), "first_error": errors[0] if errors else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--db", default=None, help="server database URL (default SQLite in a temp dir)")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--chunk-checksum", default="auto", choices=["auto", "none", "sha1", "sha256"],
                        help="per-chunk Upload-Checksum (auto: sha1 on http://, none on https://)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="inspector-bench-sync-"))
    try:
        data_dir = work / "server"
        init = ["init", "--json"] + (["--db", args.db] if args.db else [])
        cli(data_dir, *init)
        officers = [Officer("张执法", "B-0001"), Officer("李执法", "B-0002")]
        for o in officers:
            cli(data_dir, "admin", "add-inspector", "--json", "--name", o.name, "--cert", o.cert, "--public-key", o.public)
        with running_server(data_dir, args.db) as url:
            results = {}
            if not args.skip_upload:
                up = bench_upload(work, url, data_dir, officers, args.size_mib << 20,
                                  None if args.chunk_checksum == "none" else args.chunk_checksum)
                results["upload"] = up
                print(f"evidence upload {up['size_mib']} MiB (chunk checksum {up['checksum']}): raw PUT {up['raw_s']} s ({up['raw_mib_s']} MiB/s), "
                      f"sync client {up['client_s']} s ({up['client_mib_s']} MiB/s) → {up['ratio']:.2f} of raw "
                      f"(goal ≥ 0.70; vault import beforehand {up['vault_import_s']} s)", flush=True)
                print(f"  second baseline, a raw PUT that writes+hashes+fsyncs the body: {up['raw_store_s']} s "
                      f"({up['raw_store_mib_s']} MiB/s) → client at {up['ratio_vs_raw_store']:.2f} of it", flush=True)
            rec = bench_records(url, data_dir, officers, args.devices, args.records, args.db)
            results["records"] = rec
            print(f"record pushes: {rec['devices']} devices × {args.records} = {rec['records']} records in "
                  f"{rec['seconds']} s → {rec['records_per_s']} records/s; errors {rec['errors']}; stored "
                  f"{rec['stored']} (each once: {rec['stored_once']})", flush=True)
            print(json.dumps(results, ensure_ascii=False))
        ok = rec["errors"] == 0 and rec["stored"] == rec["records"] and rec["stored_once"]
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
