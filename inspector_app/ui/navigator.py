"""Requests to move between screens. Pages emit; the main window, which owns the screens, obeys.
A page never holds the main window."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Navigator(QObject):
    show_page = Signal(str)  # home | enterprises | inspection | evidence | settings
    open_inspection = Signal(str)  # inspection id
    open_enterprise = Signal(str)  # credit code
    new_inspection = Signal(str)  # credit code, or "" to choose
    signed = Signal(str)  # record hash: an inspection was just signed (a sync pass follows)
    data_changed = Signal(str)  # what changed: inspection | evidence | settings | enterprises
