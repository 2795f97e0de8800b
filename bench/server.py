"""The supervisors' dashboard at county scale: 10,000 enterprises and 200,000 findings.

    .venv/bin/python bench/server.py [--enterprises 10000] [--records 10000] [--findings-per-record 20] [--db URL]

Builds a server data dir (SQLite by default), fills the enterprise registry and the dashboard's read
model through the same indexing code a pushed record goes through (``dashboard.index.index_record``,
with synthetic record payloads: signatures are not what is measured here), starts a real
``inspector-server serve`` with the web pages, logs in, and times the dashboard page against a
trivial page (the login form) of the same server in the same run. Prints both medians and the ratio;
the goal is a dashboard under 0.5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspector_app.domain.enterprise import KINDS, uscc_check_char

CHINA = dt.timezone(dt.timedelta(hours=8))
TOWNSHIPS = ["城关镇", "东山镇", "西河乡", "南岭镇", "北港街道", "青石镇", "白沙乡", "红旗镇", "临江街道", "马坪镇",
             "石门乡", "桃源镇"]
SHIM = ("import sys\nfrom sync.server import app as _app\nfrom sync.server.web import install as _install\n"
        "_create = _app.create_app\n_app.create_app = lambda ctx: _install(_create(ctx), ctx)\n"
        "from sync.server.cli import main\nsys.exit(main(sys.argv[1:]))\n")
PASSWORD = "bench password 1"


def code(n: int) -> str:
    body = f"91350100MA{n:07d}"
    return body + uscc_check_char(body)


def enterprise(n: int, rng: random.Random) -> dict:
    key = rng.random() < 0.1
    return {"code": code(n), "name": f"测试企业{n:05d}有限公司", "address": f"工业园区{n}号", "kind": rng.choice(list(KINDS)),
            "industry": "基础化学原料制造", "township": rng.choice(TOWNSHIPS), "legal_representative": "法人",
            "contact_name": "联系人", "contact_phone": "0591-00000000",
            "major_hazard_sources": [{"name": "储罐区", "grade": "二级"}] if key else [], "key_processes": [],
            "key_chemicals": []}


def fill(data_dir: Path, db_url: str | None, n_enterprises: int, n_records: int, per_record: int, year: int) -> dict:
    from sqlalchemy import insert

    from sync.server.cli import main as server_main
    from sync.server.context import Context
    from sync.server.dashboard import index
    from sync.server.pulls.models import EnterpriseVersion
    from sync.server.settings import Settings, load_secrets
    from sync.server.users import service as users

    args = ["--data-dir", str(data_dir), "init", "--json"] + (["--db", db_url] if db_url else [])
    with open(os.devnull, "w") as null:
        stdout, sys.stdout = sys.stdout, null
        try:
            assert server_main(args) == 0
        finally:
            sys.stdout = stdout
    settings = load_secrets(Settings(data_dir=data_dir, db_url=db_url))
    ctx = Context.open(settings)
    rng = random.Random(2026)
    started = time.perf_counter()
    companies = [enterprise(n, rng) for n in range(1, n_enterprises + 1)]
    now = dt.datetime.now(dt.UTC).isoformat()
    with ctx.db.write() as s:
        for i in range(0, len(companies), 2000):
            s.execute(insert(EnterpriseVersion), [{"code": c["code"], "data": c, "updated_at": now}
                                                  for c in companies[i:i + 2000]])
    users.add_user(ctx, "bench", "supervisor", PASSWORD)
    items = [f"KI-{n:03d}" for n in range(1, 61)]
    hashes: list[tuple[str, list[str]]] = []
    findings = 0
    batch = 250
    for first in range(0, n_records, batch):
        with ctx.db.write() as s:
            for n in range(first, min(first + batch, n_records)):
                company = rng.choice(companies)
                day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 330))
                start = dt.datetime.combine(day, dt.time(9, 30), tzinfo=CHINA)
                received = start + dt.timedelta(days=rng.choice([1, 3, 10, 20, 45]))
                record_hash = f"{n:064x}"
                chosen = rng.sample(items, per_record)
                fs = [{"id": f"F{k + 1}", "item": item, "description": f"问题 {k + 1}", "location": "罐区",
                       "grade": "major" if rng.random() < 0.05 else "general",
                       "deadline": (day + dt.timedelta(days=rng.choice([7, 15, 30, 60]))).isoformat(),
                       "repeat_offence": rng.random() < 0.02, "self_reported": False, "evidence": []}
                      for k, item in enumerate(chosen)]
                reviews = []
                if hashes and rng.random() < 0.4:
                    target, ids = hashes[rng.randrange(len(hashes))]
                    reviews = [{"finding": f, "record": target, "result": "rectified" if rng.random() < 0.8 else "not-rectified",
                                "note": ""} for f in ids[:10]]
                payload = {"inspection_id": f"{n:032x}", "started_at": start.isoformat(), "enterprise": company,
                           "inspectors": [{"name": "甲", "cert": f"ZJ-{rng.randrange(40):04d}", "public_key": "x"},
                                          {"name": "乙", "cert": f"ZJ-{40 + rng.randrange(40):04d}", "public_key": "y"}],
                           "items": [{"item": i, "matter": f"检查事项 {i}"} for i in chosen], "findings": fs,
                           "reviews": reviews, "amends": None}
                index.index_record(s, record_hash=record_hash, seq=n + 1, device=1, received_at=received.isoformat(),
                                   payload=payload)
                hashes.append((record_hash, [f["id"] for f in fs]))
                findings += len(fs)
    from sync.server.dashboard import service

    service.refresh_registry(ctx)
    ctx.close()
    return {"enterprises": n_enterprises, "records": n_records, "findings": findings,
            "fill_seconds": round(time.perf_counter() - started, 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(client: httpx.Client, url: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(url)
        out.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--findings-per-record", type=int, default=20)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--db", default=None, help="a database URL (default: SQLite in a temp data dir)")
    ap.add_argument("--keep", action="store_true", help="keep the data dir")
    args = ap.parse_args(argv)
    year = dt.datetime.now(CHINA).year
    work = Path(tempfile.mkdtemp(prefix="inspector-bench-server-"))
    proc = None
    try:
        info = fill(work / "server", args.db, args.enterprises, args.records, args.findings_per_record, year)
        print(f"filled: {info['enterprises']} enterprises, {info['records']} records, {info['findings']} findings "
              f"in {info['fill_seconds']} s", flush=True)
        port = free_port()
        log = open(work / "serve.log", "wb")
        proc = subprocess.Popen([sys.executable, "-c", SHIM, "--data-dir", str(work / "server"), "serve", "--port",
                                 str(port), "--log-level", "warning"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = httpx.Client(base_url=base, timeout=60)
        page = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"csrf": token, "name": "bench", "password": PASSWORD}).status_code == 303
        dashboard = f"/dashboard?year={year}"
        timed(client, dashboard, 2)  # warm caches (and the registry fold)
        anonymous = httpx.Client(base_url=base, timeout=60)
        timed(anonymous, "/login", 2)
        trivial = timed(anonymous, "/login", args.runs)
        board = timed(client, dashboard, args.runs)
        lists = {name: statistics.median(timed(client, url, 5)) for name, url in (
            ("findings list (overdue)", "/lists/findings?status=overdue"),
            ("coverage list", f"/lists/coverage?year={year}"),
            ("repeat offenders", "/lists/repeat"))}
        t, d = statistics.median(trivial), statistics.median(board)
        print(f"trivial page (/login):  median {t * 1000:7.1f} ms")
        print(f"dashboard ({year}):      median {d * 1000:7.1f} ms   (max {max(board) * 1000:.1f} ms)")
        print(f"ratio dashboard/trivial: {d / t:7.1f}×")
        for name, v in lists.items():
            print(f"{name + ':':24} median {v * 1000:7.1f} ms")
        print(f"goal < 500 ms: {'met' if d < 0.5 else 'NOT met'}")
        summary = {"trivial_ms": round(t * 1000, 1), "dashboard_ms": round(d * 1000, 1), "ratio": round(d / t, 1),
                   **{k: round(v * 1000, 1) for k, v in lists.items()}, **info}
        print(json.dumps(summary, ensure_ascii=False))
        return 0 if d < 0.5 else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    raise SystemExit(main())
