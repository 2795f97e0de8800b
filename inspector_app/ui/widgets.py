"""Small building blocks shared by the pages."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy


def title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    label.setWordWrap(True)
    return label


def note(text: str = "", kind: str = "hint") -> QLabel:
    """A wrapping label; kind: hint (grey), warning (red), ok (green)."""
    label = QLabel(text)
    label.setObjectName(kind)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def buddy(text: str, widget) -> QLabel:
    """A field label whose &-mnemonic (Alt+letter) moves the focus to the field. It does not wrap:
    a form (WrapLongRows) puts the field under a long label instead of clipping it."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class Debouncer(QObject):
    """Calls ``fire`` once, ``ms`` after the last ``poke``."""

    fire = Signal()

    def __init__(self, ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ms)
        self._timer.timeout.connect(self.fire)

    def poke(self) -> None:
        self._timer.start()

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.fire.emit()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()
