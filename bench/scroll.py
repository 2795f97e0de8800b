"""Scrolling the enterprise list (10,000 enterprises) and the evidence grid (400 photos whose
thumbnails are still being made) in the real app, offscreen: how long the GUI thread is busy per
scroll step, against the same steps over a bare QListView of as many plain strings, in the same run.
A step that takes longer than a 16.7 ms frame would be a visible stutter.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/scroll.py
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FRAME_MS = 1000 / 60


def scroll_steps(view, app, steps: int = 400, settle=None) -> list[float]:
    """Milliseconds the GUI thread spends per scroll step (set the scroll bar, process events)."""
    bar = view.verticalScrollBar()
    times = []
    for i in range(steps):
        target = bar.maximum() * (i % 200) // 199 if i < 200 else bar.maximum() * (399 - i) // 199
        t = time.perf_counter()
        bar.setValue(target)
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
        if settle:
            settle()
    return times


def summary(name: str, ours: list[float], base: list[float]) -> str:
    worst, p99 = max(ours), sorted(ours)[int(len(ours) * 0.99) - 1]
    return (f"{name}: worst step {worst:.1f} ms, 99th percentile {p99:.1f} ms, median {statistics.median(ours):.2f} ms "
            f"(bare QListView: worst {max(base):.1f} ms, median {statistics.median(base):.2f} ms) → "
            f"median {statistics.median(ours) / max(statistics.median(base), 1e-3):.1f}x bare; "
            f"{'within' if worst <= FRAME_MS else 'OVER'} one {FRAME_MS:.1f} ms frame")


def main() -> int:
    from PIL import Image
    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QApplication, QListView

    from app import build_store  # bench/app.py
    from inspector_app.app import build
    from inspector_app.store import evidence as evidence_store
    from inspector_app.ui import services
    from inspector_app.workspace import Workspace

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        build_store(data)
        ws = Workspace(data)
        officer = services.unlock(ws, services.officers_list(ws)[0].cert, "demo")
        vault = ws.vault(officer)
        photos = Path(tmp) / "photos"
        photos.mkdir()
        for n in range(400):
            path = photos / f"p{n}.jpg"
            Image.new("RGB", (1600, 1200), ((n * 37) % 256, (n * 91) % 256, 120)).save(path, quality=70)
        with ws.store.write() as session:
            for path in sorted(photos.iterdir()):
                put, info = vault.import_file(path)
                evidence_store.record(session, sha256=put.sha256, info=info, captured_by=officer.cert,
                                      original_name=path.name)
        ctx, window = build(ws)
        window.resize(1366, 768)
        window.show()
        ctx.session.set_unlocked(officer)
        for _ in range(50):
            app.processEvents()

        window.show_page("enterprises")
        enterprise_list = window.findChild(QListView, "enterpriseList")
        for _ in range(100):
            app.processEvents()
        rows = enterprise_list.model().rowCount()
        ours = scroll_steps(enterprise_list, app)
        bare = QListView()
        bare.setModel(QStringListModel([f"（演示）企业 {n}\n91339901XXXXXXXX · 类型 · 乡镇" for n in range(10_000)]))
        bare.resize(enterprise_list.size())
        bare.show()
        base = scroll_steps(bare, app)
        print(f"enterprise list ({rows} rows loaded by the end of scrolling: {enterprise_list.model().rowCount()})")
        print(summary("enterprise list, 10,000 enterprises", ours, base))

        window.show_page("evidence")
        grid = window.findChild(QListView, "evidenceGrid")
        for _ in range(20):
            app.processEvents()
        ours = scroll_steps(grid, app, settle=lambda: time.sleep(0.002))  # thumbnails arrive meanwhile
        bare.setModel(QStringListModel([f"照片 {n}" for n in range(400)]))
        bare.setViewMode(QListView.ViewMode.IconMode)
        base = scroll_steps(bare, app, settle=lambda: time.sleep(0.002))
        print(summary("evidence grid, 400 photos (thumbnails being made)", ours, base))
        window.close()
        ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
