"""Find text that does not fit: labels, buttons, check boxes and group titles whose text needs
more room than the layout gave them. Used by the pseudo-locale test and tools/screenshots.py."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

SLACK = 2  # pixels of rounding


@dataclass(frozen=True)
class Clipped:
    widget: str
    text: str
    need: int
    have: int

    def __str__(self) -> str:
        return f"{self.widget}: needs {self.need}px, has {self.have}px: {self.text[:60]!r}"


def _name(w: QWidget) -> str:
    parts = []
    while w is not None and len(parts) < 4:
        parts.append(w.objectName() or type(w).__name__)
        w = w.parentWidget()
    return "/".join(reversed(parts))


def find_clipped(root: QWidget) -> list[Clipped]:
    found = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0:
            continue
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                need = w.heightForWidth(w.contentsRect().width())
                have = w.contentsRect().height()
            else:
                need = w.sizeHint().width()
                have = w.width()
            if need > have + SLACK:
                found.append(Clipped(_name(w), w.text(), need, have))
        elif isinstance(w, QAbstractButton) and w.text():
            need, have = w.sizeHint().width(), w.width()
            if need > have + SLACK:
                found.append(Clipped(_name(w), w.text(), need, have))
        elif isinstance(w, QGroupBox) and w.title():
            need = w.fontMetrics().horizontalAdvance(w.title()) + 16
            if need > w.width() + SLACK:
                found.append(Clipped(_name(w), w.title(), need, w.width()))
    return found
