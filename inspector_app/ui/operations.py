"""The one background-operation helper: run a callable off the GUI thread, get its answer on it.

    op = ops.run(lambda op: slow_thing(op), kind="write",
                 on_done=show_result, on_error=show_error, on_progress=update_bar)
    op.cancel()          # the callable sees op.cancelled / op.check() and stops

Kinds (one pool each):
  ``write``  one thread: every change to the store and the vault goes here, in the order asked,
             so writes are serialized and never wait on the GUI (Store.write() is the transaction).
  ``read``   a small pool for slow reads, unlocking keys (Argon2id), signing, rendering, printing.
  ``media``  one thread for thumbnails and video frames, so a grid of thumbnails never starves
             the others, nor the GUI thread: with two on a two-core laptop, scrolling the evidence
             grid while thumbnails were being made stuttered (bench/scroll.py: 24 ms steps; 9 ms now).

The callable gets the Operation; ``op.report(x)`` sends progress. Progress is coalesced: a burst of
reports from the worker reaches the GUI as one call with the latest value. Results and errors come
back on the GUI thread through a queued signal. An InspectorError goes to ``on_error`` (or, when
there is none, to the app's error presenter, which shows its Chinese text); any other exception is
logged with its traceback by the presenter and shown as a plain message. ``Cancelled`` raised by
``op.check()`` ends an operation quietly.

``BatchDrainer`` is Picard's time-boxed draining (PR #3188): workers put items from any thread;
the GUI takes them in batches of at most ``budget_ms`` per turn of the event loop, so thousands of
results never freeze the window.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Qt, Signal, Slot

log = logging.getLogger("inspector.ui")


class Cancelled(Exception):
    """Raised inside a worker to stop an operation the user cancelled."""


class Operation(QObject):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()  # after succeeded, failed or a cancel

    # worker -> GUI thread (queued). Only a str crosses the threads in the signal: the result itself
    # waits in an attribute, since Python objects carried by queued signals have tripped PySide's
    # reference counting (PySide 6.12: "deallocating None").
    _deliver = Signal(str)

    def __init__(self, label: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self.label = label
        self._cancel = threading.Event()
        self._latest: Any = None
        self._progress_pending = False
        self._lock = threading.Lock()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.was_cancelled = False
        self._outcome: Any = None
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # --- from any thread ---
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, payload: Any) -> None:
        with self._lock:
            self._latest = payload
            if self._progress_pending:
                return
            self._progress_pending = True
        self._deliver.emit("progress")

    # --- on the GUI thread ---
    def _finish(self, what: str, value: Any) -> None:  # from the worker
        self._outcome = value
        self._deliver.emit(what)

    @Slot(str)
    def _on_deliver(self, what: str) -> None:
        if what == "progress":
            with self._lock:
                payload, self._progress_pending = self._latest, False
            if not self.done:
                self.progressed.emit(payload)
            return
        value, self._outcome = self._outcome, None
        self.done = True
        if what == "ok":
            self.result = value
            self.succeeded.emit(value)
        elif what == "cancelled":
            self.was_cancelled = True
        else:
            self.error = value
            self.failed.emit(value)
        self.finished.emit()


def _task(fn: Callable[[Operation], Any], op: Operation) -> Callable[[], None]:
    # A plain callable for QThreadPool.start: a Python QRunnable subclass with autoDelete has
    # crashed PySide 6.12 at interpreter exit (a reference counted twice).
    return lambda: _run(fn, op)


def _run(fn: Callable[[Operation], Any], op: Operation) -> None:
    try:
        if op.cancelled:
            raise Cancelled()
        result = fn(op)
    except Cancelled:
        op._finish("cancelled", None)
    except BaseException as exc:  # noqa: BLE001 - every error goes back to the GUI thread
        op._finish("error", exc)
    else:
        op._finish("ok", result)


class Operations(QObject):
    """Built once by app.py and passed to whatever needs to work in the background."""

    busy_changed = Signal(int)  # number of operations under way

    def __init__(self, present_error: Callable[[BaseException], None] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._present_error = present_error
        self._pools = {"write": QThreadPool(self), "read": QThreadPool(self), "media": QThreadPool(self)}
        self._pools["write"].setMaxThreadCount(1)
        self._pools["read"].setMaxThreadCount(4)
        self._pools["media"].setMaxThreadCount(1)
        self._active: set[Operation] = set()

    def set_error_presenter(self, present_error: Callable[[BaseException], None]) -> None:
        self._present_error = present_error

    @property
    def active(self) -> int:
        return len(self._active)

    def run(self, fn: Callable[[Operation], Any], *, kind: str = "read",
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[Any], None] | None = None,
            label: str = "") -> Operation:
        op = Operation(label)
        op.kind = kind
        if on_progress is not None:
            op.progressed.connect(on_progress)
        if on_done is not None:
            op.succeeded.connect(on_done)
        op.failed.connect(on_error if on_error is not None else self._default_error)
        op.finished.connect(lambda op=op: self._finished(op))
        self._active.add(op)
        self.busy_changed.emit(len(self._active))
        self._pools[kind].start(_task(fn, op))
        return op

    def _finished(self, op: Operation) -> None:
        self._active.discard(op)
        self.busy_changed.emit(len(self._active))

    def _default_error(self, exc: BaseException) -> None:
        if self._present_error is not None:
            self._present_error(exc)
        else:  # pragma: no cover - app.py always sets one
            log.error("operation failed", exc_info=exc)

    def cancel_all(self, *, kinds: tuple[str, ...] = ("read", "media")) -> None:
        """Ask running operations to stop (writes are left to finish: nothing half-written)."""
        for op in list(self._active):
            if getattr(op, "kind", "read") in kinds:
                op.cancel()

    def wait_for_workers(self, msecs: int = 60000) -> bool:
        """Block until every worker has returned (used when the app closes: nothing half-written).
        Results already queued are delivered by the event loop afterwards."""
        ok = True
        for pool in self._pools.values():
            ok = pool.waitForDone(msecs) and ok
        return ok


class BatchDrainer(QObject):
    """Items put from any thread are handed to ``handle(list)`` on the GUI thread, in batches that
    take at most ``budget_ms`` each, one batch per turn of the event loop."""

    _wake = Signal()

    def __init__(self, handle: Callable[[list], None], budget_ms: float = 8.0, parent: QObject | None = None):
        super().__init__(parent)
        self._handle = handle
        self._budget = budget_ms / 1000.0
        self._queue: collections.deque = collections.deque()
        self._armed = threading.Event()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._drain)
        self._wake.connect(self._timer.start, Qt.ConnectionType.QueuedConnection)
        self.batches = 0

    def put(self, item: Any) -> None:
        self._queue.append(item)
        if not self._armed.is_set():
            self._armed.set()
            self._wake.emit()

    def pending(self) -> int:
        return len(self._queue)

    @Slot()
    def _drain(self) -> None:
        self._armed.clear()
        deadline = time.perf_counter() + self._budget
        while self._queue:
            chunk = []
            while self._queue and len(chunk) < 16:
                chunk.append(self._queue.popleft())
            self.batches += 1
            self._handle(chunk)
            if time.perf_counter() >= deadline:
                break
        if self._queue and not self._armed.is_set():
            self._armed.set()
            self._timer.start()
