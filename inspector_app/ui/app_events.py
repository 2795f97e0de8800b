"""One application-wide event filter, installed by app.py, turning raw events into signals:
``activity`` (a key, click or wheel: the idle clock restarts) and ``dialog_closed`` (a dialog
window was hidden: the main window takes the keyboard back, as some platforms leave no window
active)."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QDialog

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class AppEvents(QObject):
    activity = Signal()
    dialog_closed = Signal(object)  # the window the dialog belonged to, or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self._last = 0.0

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            now = time.monotonic()
            if now - self._last > 0.5:
                self._last = now
                self.activity.emit()
        elif kind == QEvent.Type.Hide and isinstance(obj, QDialog) and obj.isWindow():
            parent = obj.parentWidget()
            self.dialog_closed.emit(parent.window() if parent is not None else None)
        return False
