"""Kill the worker with SIGKILL at random moments and prove the store survives.

A worker process runs the inspector's own commands in a loop — evidence import, editing an
inspection, signing, numbering documents (and sync, when a server URL is given) — and prints an
acknowledgement after each command returns. The harness kills it with SIGKILL after a random
delay (seeded), reopens the data folder with the current code and checks:
SQLite integrity, the audit chain, the vault (every evidence row's object present and intact,
leftover temp files cleaned), no document number issued twice, and every acknowledged item present.

    .venv/bin/python tools/crash_harness.py --trials 20 --seed 1
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKER = r'''
import io, json, os, random, sys
from contextlib import redirect_stdout
from pathlib import Path
from PIL import Image
from inspector_app.cli import main

data, seed = sys.argv[1], int(sys.argv[2])
server = sys.argv[3] if len(sys.argv) > 3 else None
rng = random.Random(seed)

def run(*args):
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["--data-dir", data, "--json", *args])
    if code != 0:
        raise SystemExit(f"command failed {args} -> {code}")
    return json.loads(buf.getvalue())

def ack(kind, value):
    print("ACK", kind, json.dumps(value, ensure_ascii=False), flush=True)

codes = [e["code"] for e in run("enterprise", "list", "--limit", "500") if e["kind"] == "production"]
photos = Path(data) / "incoming"
photos.mkdir(exist_ok=True)
while True:
    inspection = run("inspection", "new", "--enterprise", rng.choice(codes), "--inspectors", "DEMO-0001,DEMO-0002")["id"]
    ack("inspection", inspection)
    run("inspection", "result", inspection, "reg-3", "compliant")
    ack("result", [inspection, "reg-3"])
    path = photos / f"p{rng.randrange(10**9)}.jpg"
    Image.new("RGB", (rng.randint(200, 900), 300), tuple(rng.randrange(256) for _ in range(3))).save(path, quality=85)
    sha = run("evidence", "import", str(path), "--inspection", inspection)[0]["sha256"]
    ack("evidence", sha)
    finding = run("finding", "add", inspection, "--item", "reg-1", "--grade", "general", "--deadline", "2099-12-31",
                  "--text", "未建立危险化学品管理档案", "--evidence", sha)["id"]
    ack("finding", finding)
    record = run("inspection", "sign", inspection)["record"]
    ack("record", record)
    number = run("doc", "render", "rectify-order", record, "-o", str(Path(data) / "out.pdf"))["number"]
    ack("number", [record, number])
    if server:
        run("sync", "--server", server)
        ack("synced", record)
'''


def prepare(folder: Path) -> Path:
    data = folder / "data"
    env = dict(os.environ, INSPECTOR_PASSPHRASE="crash-test")
    cli = [sys.executable, "-m", "inspector_app.cli", "--data-dir", str(data)]
    subprocess.run(cli + ["demo", "--enterprises", "12"], check=True, env=env, capture_output=True)
    for key, value in {"county_name": "青禾县", "bureau_name": "青禾县应急管理局", "short_name": "青",
                       "reconsideration_body": "青禾县人民政府", "court": "青禾县人民法院", "device_slot": "3"}.items():
        subprocess.run(cli + ["settings", "set", key, value], check=True, env=env, capture_output=True)
    return data


class Server:
    """A county server on loopback for the sync trials, with the device enrolled."""

    def __init__(self, folder: Path, data: Path):
        import socket

        import httpx

        self.dir = folder / "server"
        env = dict(os.environ, INSPECTOR_PASSPHRASE="crash-test")
        admin = [sys.executable, "-m", "sync.server.cli", "--data-dir", str(self.dir)]
        subprocess.run(admin + ["init"], check=True, env=env, capture_output=True)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(folder / "server.log", "wb")
        self.proc = subprocess.Popen(admin + ["serve", "--host", "127.0.0.1", "--port", str(self.port)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if httpx.get(self.url + "/api/v1/server-key", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        self.secret = (self.dir / "admin-secret").read_text().strip()
        cli = [sys.executable, "-m", "inspector_app.cli", "--data-dir", str(data), "--json"]
        officers = json.loads(subprocess.run(cli + ["officer", "list"], check=True, env=env, capture_output=True,
                                             text=True).stdout)
        for o in officers:
            subprocess.run(admin + ["admin", "add-inspector", "--name", o["name"], "--cert", o["cert"],
                                    "--public-key", o["public_key"]], check=True, env=env, capture_output=True)
        code = json.loads(subprocess.run(admin + ["admin", "enrol-device", "crash-laptop", "--json"], check=True,
                                         env=env, capture_output=True, text=True).stdout)["code"]
        subprocess.run(cli + ["sync", "--server", self.url, "--enrol", code], check=True, env=env, capture_output=True)

    def has_record(self, record_hash: str) -> bool:
        import httpx

        r = httpx.get(f"{self.url}/api/v1/records/{record_hash}", headers={"Authorization": f"Bearer {self.secret}"},
                      timeout=10)
        return r.status_code == 200 and r.json().get("status") == "complete"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def check(data: Path, acked: list[tuple[str, object]], server: Server | None = None) -> list[str]:
    """Everything wrong after a crash; empty when the store is consistent and nothing is lost."""
    from sqlalchemy import text

    from inspector_app.domain import record as record_rules
    from inspector_app.store import audit_log, officers
    from inspector_app.store.vault import Vault
    from inspector_app.workspace import Workspace

    problems = []
    raw = sqlite3.connect(data / "inspector.db")
    if raw.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("sqlite integrity_check failed")
    dupes = raw.execute("SELECT text, COUNT(*) FROM issued_numbers GROUP BY text HAVING COUNT(*) > 1").fetchall()
    problems += [f"number issued twice: {t}" for t, _ in dupes]
    raw.close()
    ws = Workspace(data)
    try:
        with ws.store.read() as session:
            problems += [f"audit: {p.text('en')}" for p in audit_log.verify(session)]
            vault_key = officers.unlock(session, "DEMO-0001", "crash-test").vault_key
            shas = [r[0] for r in session.execute(text("SELECT sha256 FROM evidence"))]
            records = {r[0]: (r[1], json.loads(r[2])) for r in session.execute(
                text("SELECT hash, payload, signatures FROM records"))}
            inspections = {r[0] for r in session.execute(text("SELECT id FROM inspections"))}
            findings = {r[0] for r in session.execute(text("SELECT id FROM findings"))}
            numbers = {r[0] for r in session.execute(text("SELECT text FROM issued_numbers"))}
        vault = Vault(ws.vault_dir, vault_key)
        vault.cleanup_temps()
        for sha in shas:
            try:
                vault.verify(sha)
            except Exception as exc:  # noqa: BLE001 - reported as a loss, with its reason
                problems.append(f"evidence {sha[:12]} unreadable: {exc}")
        for digest, (payload, signatures) in records.items():
            keys = {i["cert"]: i["public_key"] for i in json.loads(payload)["inspectors"]}
            bad = record_rules.check_signatures(bytes(payload), signatures, keys)
            if record_rules.record_hash(bytes(payload)) != digest or bad:
                problems.append(f"record {digest[:12]} does not verify")
        present = {"inspection": inspections, "result": inspections, "evidence": set(shas), "finding": findings,
                   "record": set(records), "number": numbers}
        for kind, value in acked:
            if kind == "synced":
                if server is None or not server.has_record(value):
                    problems.append(f"acknowledged synced record {value} lost on the server")
                continue
            key = value[0] if kind == "result" else value[1] if kind == "number" else value
            if key not in present[kind]:
                problems.append(f"acknowledged {kind} {key} lost")
    finally:
        ws.close()
    return problems


def run(trials: int, seed: int, max_delay: float = 4.0, quiet: bool = False, sync: bool = False) -> dict:
    rng = random.Random(seed)
    totals = {"trials": 0, "killed": 0, "acknowledged": 0, "losses": 0, "problems": []}
    with tempfile.TemporaryDirectory() as tmp:
        data = prepare(Path(tmp))
        server = Server(Path(tmp), data) if sync else None
        env = dict(os.environ, INSPECTOR_PASSPHRASE="crash-test", PYTHONPATH=str(ROOT))
        acked: list[tuple[str, object]] = []
        try:
            totals = _trials(trials, rng, data, env, acked, server, totals, max_delay, quiet)
        finally:
            if server is not None:
                server.stop()
    return totals


def _trials(trials, rng, data, env, acked, server, totals, max_delay, quiet) -> dict:
    for trial in range(trials):
        extra = [server.url] if server is not None else []
        proc = subprocess.Popen([sys.executable, "-c", WORKER, str(data), str(rng.randrange(10**9)), *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        time.sleep(rng.uniform(0.3, max_delay))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        totals["killed"] += proc.returncode == -signal.SIGKILL
        for line in out.splitlines():
            if line.startswith("ACK "):
                _, kind, value = line.split(" ", 2)
                acked.append((kind, json.loads(value)))
        problems = check(data, acked, server)
        totals["trials"] += 1
        totals["problems"] += [f"trial {trial}: {p}" for p in problems]
        if not quiet:
            print(f"trial {trial + 1}/{trials}: {len(acked)} acknowledged so far, "
                  f"{'OK' if not problems else '; '.join(problems)}", flush=True)
    totals["acknowledged"] = len(acked)
    totals["kinds"] = {kind: sum(k == kind for k, _ in acked) for kind in dict.fromkeys(k for k, _ in acked)}
    totals["losses"] = sum("lost" in p for p in totals["problems"])
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=4.0)
    parser.add_argument("--sync", action="store_true", help="also sync to a county server on loopback after each record")
    args = parser.parse_args()
    totals = run(args.trials, args.seed, args.max_delay, sync=args.sync)
    print(f"crash harness: {totals['trials']} trials, {totals['killed']} killed mid-work, "
          f"{totals['acknowledged']} acknowledged items, {totals['losses']} lost, "
          f"{len(totals['problems'])} problems")
    print("  acknowledged by kind: " + ", ".join(f"{k} {n}" for k, n in totals.get("kinds", {}).items()))
    for p in totals["problems"]:
        print("  " + p)
    return 0 if not totals["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
