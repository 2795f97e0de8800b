"""The background-operation helper: results and errors back on the GUI thread, progress coalesced,
cancel, writes in order on one thread, and bursts drained in time-boxed batches."""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread

import ui_fixtures  # noqa: F401 - applies the PySide reference guard
from inspector_app.domain.messages import InspectorError
from inspector_app.store import db  # noqa: F401 - defines store.newer_version
from inspector_app.ui.operations import BatchDrainer, Operations


def test_result_and_errors_arrive_on_the_gui_thread(qtbot):
    errors = []
    ops = Operations(present_error=errors.append)
    gui = QThread.currentThread()
    seen = {}

    def work(op):
        seen["worker"] = QThread.currentThread()
        return 42

    op = ops.run(work, on_done=lambda r: seen.update(result=r, thread=QThread.currentThread()))
    qtbot.waitUntil(lambda: op.done)
    assert seen["result"] == 42 and seen["thread"] is gui and seen["worker"] is not gui
    bad = ops.run(lambda op: (_ for _ in ()).throw(InspectorError("store.newer_version", path="x", found="y")))
    qtbot.waitUntil(lambda: bad.done)
    assert isinstance(errors[0], InspectorError) and "更新版本" in errors[0].text("zh")
    assert ops.active == 0


def test_progress_is_coalesced_and_cancel_stops(qtbot):
    ops = Operations(present_error=lambda e: None)
    progress = []
    started = threading.Event()

    def work(op):
        for i in range(20000):
            op.report(i)
        started.set()
        while True:
            op.check()
            time.sleep(0.005)

    op = ops.run(work, on_progress=progress.append)
    started.wait(5)
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] == 19999)
    assert len(progress) < 20000 / 10  # a burst reached the GUI as a few calls
    op.cancel()
    qtbot.waitUntil(lambda: op.done)
    assert op.was_cancelled and op.error is None


def test_writes_run_one_at_a_time_in_order(qtbot):
    ops = Operations(present_error=lambda e: None)
    order, running, overlap = [], [0], []

    def write(i):
        def work(op):
            running[0] += 1
            if running[0] > 1:
                overlap.append(i)
            time.sleep(0.002)
            order.append(i)
            running[0] -= 1
        return work

    ops_ = [ops.run(write(i), kind="write") for i in range(30)]
    qtbot.waitUntil(lambda: all(o.done for o in ops_))
    assert order == list(range(30)) and not overlap


def test_batch_drainer_time_boxes_bursts(qtbot):
    got = []

    def handle(batch):
        time.sleep(0.001 * len(batch))  # 1 ms per item
        got.extend(batch)

    drainer = BatchDrainer(handle, budget_ms=8)
    threads = [threading.Thread(target=lambda k=k: [drainer.put((k, i)) for i in range(100)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(got) == 400, timeout=10000)
    assert drainer.batches >= 400 / 16  # never one 400-item freeze: many short turns
