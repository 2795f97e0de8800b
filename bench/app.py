"""Start-up of the app against a bare Qt window, each in a fresh process, in the same run.

    .venv/bin/python bench/app.py [--runs 5] [--keep DIR]

The store has 10,000 enterprises and 100,000 findings (20,000 inspections of five findings each,
deadlines spread over two years, 200 of them drafts). "Usable" is the moment the main window is
shown with the lock screen ready to take a passphrase (officers listed): the first thing an
inspector does. The bare baseline imports PySide6, makes a QApplication and shows an empty
QMainWindow. Both print READY from a zero-delay timer after show(), and the time is measured by
this process from spawn to that line (interpreter start-up included in both). The goal is a ratio
within 2x.

After the start-up figures it times, in this process, what the app then does in the background:
the Home summary (open inspections, hazards due, unassigned evidence) over that store.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 820)
w.show()
def ready():
    print("READY", flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


def build_store(data: Path, enterprises: int = 10_000, findings: int = 100_000) -> None:
    from sqlalchemy import insert, update

    from inspector_app.demo import demo_enterprises
    from inspector_app.store import models
    from inspector_app.store.clock import now_iso
    from inspector_app.ui import services
    from inspector_app.workspace import Workspace

    ws = Workspace(data)
    services.load_demo(ws, "demo", count=48)
    rng = random.Random(1)
    people = demo_enterprises(enterprises, seed=11)
    with ws.store.write() as session:
        now = now_iso()
        rows = [{"code": e.code, "name": e.name, "address": e.address, "kind": e.kind, "industry": e.industry,
                 "township": e.township, "legal_representative": e.legal_representative,
                 "contact_name": e.contact_name, "contact_phone": e.contact_phone, "licences": e.licences,
                 "major_hazard_sources": [], "key_processes": [], "key_chemicals": [], "updated_at": now}
                for e in people]
        existing = {c for (c,) in session.execute(models.Enterprise.__table__.select().with_only_columns(
            models.Enterprise.code))}
        session.execute(insert(models.Enterprise), [r for r in rows if r["code"] not in existing])
    codes = [e.code for e in people]
    per = 5
    with ws.store.write() as session:
        inspections, items, found = [], [], []
        for i in range(findings // per):
            iid = str(uuid.uuid4())
            code = rng.choice(codes)
            started = datetime.now().astimezone() - timedelta(days=rng.randint(0, 700))
            inspections.append({"id": iid, "enterprise_code": code, "status": "draft",
                                "inspectors": ["DEMO-0001", "DEMO-0002"], "catalogues": [], "place": "",
                                "created_at": started.isoformat(), "started_at": started.isoformat(),
                                "updated_at": started.isoformat()})
            for k in range(per):
                item = f"bench-{k}"
                items.append({"inspection_id": iid, "item_id": item, "position": k, "catalogue_id": "bench",
                              "catalogue_version": "1", "seq": k + 1, "section": "", "matter": f"检查事项{k + 1}",
                              "content": "", "check_basis": [], "enforcement_basis": [], "major_hazard": False,
                              "result": "violation"})
                deadline = started.date() + timedelta(days=rng.randint(7, 120))
                found.append({"id": str(uuid.uuid4()), "inspection_id": iid, "enterprise_code": code,
                              "item_id": item, "description": "基准测试隐患", "location": "",
                              "grade": "major" if rng.random() < 0.05 else "general",
                              "deadline": deadline.isoformat(), "repeat_offence": False, "repeat_of": [],
                              "self_reported": False, "created_at": started.isoformat()})
        session.execute(insert(models.Inspection), inspections)
        session.execute(insert(models.InspectionItem), items)
        session.execute(insert(models.Finding), found)
        # all but 200 signed (items and findings can only be added to drafts: store triggers)
        signed = [r["id"] for r in inspections[200:]]
        for start in range(0, len(signed), 500):
            session.execute(update(models.Inspection).where(models.Inspection.id.in_(signed[start:start + 500]))
                            .values(status="signed"))
    ws.close()


def spawn(cmd: list[str], env: dict) -> tuple[float, float | None]:
    """Seconds from spawn to READY (window shown) and to STORE (data folder open, officers listed)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    ready = store = None
    for line in proc.stdout:
        if line.startswith("READY"):
            ready = time.perf_counter() - t0
            if "inspector_app.app" not in cmd:
                break
        elif line.startswith("STORE"):
            store = time.perf_counter() - t0
            break
    proc.wait(timeout=60)
    if ready is None:
        raise RuntimeError(f"{cmd[:3]} never became ready (exit {proc.returncode})")
    return ready, store


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the store here")
    args = parser.parse_args()
    data = args.keep or Path(tempfile.mkdtemp(prefix="inspector-bench-app-")) / "data"
    if not (data / "inspector.db").exists():
        t = time.perf_counter()
        build_store(data)
        print(f"store built in {time.perf_counter() - t:.1f} s: 10,000 enterprises, 100,000 findings")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("INSPECTOR_LANG", None)
    bare_cmd = [sys.executable, "-c", BARE]
    app_cmd = [sys.executable, "-m", "inspector_app.app", "--data-dir", str(data), "--startup-probe"]
    spawn(bare_cmd, env)  # warm the disk cache for both
    spawn(app_cmd, env)
    bare, app, store = [], [], []
    for _ in range(args.runs):
        bare.append(spawn(bare_cmd, env)[0])
        ready, opened = spawn(app_cmd, env)
        app.append(ready)
        store.append(opened)
    b, a, s = statistics.median(bare), statistics.median(app), statistics.median(store)
    print(f"bare QMainWindow shown:                      {b * 1000:6.0f} ms (median of {args.runs})")
    print(f"inspector-app window shown (lock screen):    {a * 1000:6.0f} ms  ratio {a / b:.2f}x (goal: within 2x)")
    print(f"inspector-app store open, officers listed:   {s * 1000:6.0f} ms  ratio {s / b:.2f}x")

    from inspector_app.ui import services
    from inspector_app.workspace import Workspace

    ws = Workspace(data)
    t = time.perf_counter()
    summary = services.home_summary(ws, date.today())
    home = time.perf_counter() - t
    ws.close()
    print(f"Home summary in the background: {home * 1000:.0f} ms ({len(summary.drafts)} open inspections, "
          f"{summary.deadlines_total} hazards due or overdue)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
