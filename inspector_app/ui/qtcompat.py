"""Work-arounds for the Qt for Python version in use, in one place.

PySide 6.12 on Python 3.11 returns the bool of ``SignalInstance.emit()`` and ``.disconnect()``
without taking a reference for the caller, so every call from Python drops one reference to the
``True`` or ``False`` singleton; after a few hundred emits the interpreter aborts
("deallocating True or False"). Python 3.12+ makes those singletons immortal, which hides it.
``emit`` and ``disconnect`` here give the reference back when (and only when) a probe at import
shows the drift, so they are safe on fixed versions too. Every Python-side emit in the app goes
through them; signals Qt emits from C++ are not affected.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    signal = Signal()


def _drifts() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(8):
        probe.signal.emit()
    after = sys.getrefcount(True), sys.getrefcount(False)
    lost = (before[0] - after[0]) + (before[1] - after[1])
    if lost >= 8:  # give back what the probe itself took
        for _ in range(before[0] - after[0]):
            _incref(True)
        for _ in range(before[1] - after[1]):
            _incref(False)
        return True
    return False


BROKEN_BOOL_RETURN = _drifts()


def emit(signal, *args):
    result = signal.emit(*args)
    if BROKEN_BOOL_RETURN and isinstance(result, bool):
        _incref(result)
    return result


def disconnect(signal, *slot) -> bool:
    try:
        result = signal.disconnect(*slot)
    except (RuntimeError, TypeError):
        return False
    if BROKEN_BOOL_RETURN and isinstance(result, bool):
        _incref(result)
    return bool(result)
