"""The background sync loop: a plain thread the app and the CLI can both use (no Qt here).

It runs a pass, then sleeps ``interval``; when the server cannot be reached (or answers 5xx) it
backs off exponentially with jitter — ``min(cap, base·2ⁿ⁻¹) × uniform(0.5, 1.5)`` — so a county's
laptops coming back online together do not hammer the server in step. ``wake()`` starts a pass
now (after signing a record, or when the OS reports a network). The app subscribes with
``on_result`` (called on the worker thread: the UI hands it to its GUI thread).
"""
from __future__ import annotations

import logging
import random
import threading
from typing import Callable

from sync.protocol.errors import SyncError

from .engine import Summary, SyncClient

log = logging.getLogger("inspector.sync")


def backoff_delay(failures: int, *, base: float = 2.0, cap: float = 600.0, rng: Callable[[], float] = random.random) -> float:
    if failures <= 0:
        return 0.0
    return min(cap, base * 2 ** (failures - 1)) * (0.5 + rng())


class SyncWorker:
    def __init__(self, client: SyncClient, *, interval: float = 300.0, base: float = 2.0, cap: float = 600.0,
                 on_result: Callable[[Summary | None, SyncError | None], None] | None = None,
                 rng: Callable[[], float] = random.random):
        self.client = client
        self.interval, self.base, self.cap = interval, base, cap
        self.on_result = on_result
        self.rng = rng
        self.failures = 0
        self.last_summary: Summary | None = None
        self.last_error: SyncError | None = None
        self.delays: list[float] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "SyncWorker":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="inspector-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self.client.cancel()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> float:
        """One pass; returns how long to wait before the next."""
        summary, error = None, None
        try:
            summary = self.client.run()
            self.failures = 0
            delay = self.interval
        except SyncError as exc:
            error = exc
            if exc.retryable:
                self.failures += 1
                delay = backoff_delay(self.failures, base=self.base, cap=self.cap, rng=self.rng)
            else:  # needs a person (revoked, not enrolled, server key changed): try again much later
                self.failures = 0
                delay = self.interval
        except Exception as exc:  # a bug must not kill the thread; it is logged and retried later
            log.exception("sync pass failed")
            error = SyncError("sync.internal", reason=str(exc))
            self.failures += 1
            delay = backoff_delay(self.failures, base=self.base, cap=self.cap, rng=self.rng)
        self.last_summary, self.last_error = summary, error
        self.delays.append(delay)
        if self.on_result is not None:
            self.on_result(summary, error)
        return delay

    def _loop(self) -> None:
        while not self._stop.is_set():
            delay = self.run_once()
            self._wake.wait(delay)
            self._wake.clear()
