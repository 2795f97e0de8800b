"""Work-arounds for the Qt for Python version in use, in one place.

PySide 6.12.0 on Python 3.11 hands ``None`` (and, from ``SignalInstance.emit()`` and
``.disconnect()``, ``True``/``False``) back to Python without the reference the caller owns: every
such call drops one reference to the singleton. ``QWidget.parentWidget()`` returning None 20,000
times, or a few thousand signal emits, and the interpreter aborts with "deallocating None"
(tests/test_ui_app.py::test_singletons_survive_pyside shows it). Python 3.12 made the singletons
immortal, which hides the bug there.

``guard_singletons()`` gives those three singletons a reserve of 2**40 references once, at start-up,
so no session can ever use them up; objects other than the singletons are not affected (checked in
the same test). It does nothing on Python 3.12+ or when the installed PySide does not drop
references. Remove it once the pinned PySide is fixed (the test then reports it as unneeded).
"""
from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_applied = False


def drops_references() -> bool:
    """Does this PySide drop a reference to None on a call that returns None?"""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.parent()
    return sys.getrefcount(None) < before - 32


def guard_singletons() -> bool:
    """Apply the reserve (once); returns whether it is in force."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or not drops_references():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE
    _applied = True
    return True


def disconnect(signal, *slot) -> bool:
    """Disconnect without raising when the connection is already gone."""
    try:
        return bool(signal.disconnect(*slot))
    except (RuntimeError, TypeError):
        return False


class MainThreadGarbageCollector:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate when a
    threshold is crossed; if that is a worker (the store, thumbnails, signing) and the garbage
    holds Qt objects, their C++ destructors run off the GUI thread and Qt crashes. So automatic
    collection is switched off and this collects on the GUI thread, from a timer, with the
    interpreter's own thresholds (the usual PyQt recipe)."""

    def __init__(self, interval_ms: int = 500):
        import gc

        from PySide6.QtCore import QTimer

        self._gc = gc
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        counts = self._gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                self._gc.collect(generation)
                return

    def settle(self) -> None:
        """Once the app is built: collect, then freeze what is left (modules, the ORM's metadata, the
        pages), so later full collections walk only what was made since and take milliseconds
        instead of a visible pause."""
        self._gc.collect()
        self._gc.freeze()

    def stop(self) -> None:
        self.timer.stop()
        self._gc.enable()


_collector: MainThreadGarbageCollector | None = None


def collect_garbage_on_the_gui_thread() -> MainThreadGarbageCollector:
    """Install the collector once per process (the app and the tests' app builder call this)."""
    global _collector
    if _collector is None:
        _collector = MainThreadGarbageCollector()
    return _collector
