"""Who is at the keyboard: the unlocked officer, auto-lock after idle, and switching officer.

The Unlocked (signing key and vault key) lives only here and only while unlocked; locking drops it.
Any key press, click or wheel turn in the app restarts the idle clock.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal


class OfficerSession(QObject):
    changed = Signal(object)  # the Unlocked, or None when locked

    def __init__(self, ws, autolock_minutes: float = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = ws
        self._unlocked = None
        self._vault = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._idle_timeout)
        self.locked_by_idle = False
        self.set_autolock_minutes(autolock_minutes)

    # --- state ---
    @property
    def officer(self):
        return self._unlocked

    @property
    def cert(self) -> str | None:
        return self._unlocked.cert if self._unlocked else None

    @property
    def vault(self):
        """The evidence vault opened with this officer's vault key (None while locked)."""
        if self._unlocked is None:
            return None
        if self._vault is None:
            self._vault = self.ws.vault(self._unlocked)
        return self._vault

    def set_unlocked(self, unlocked) -> None:
        self._unlocked = unlocked
        self._vault = None
        self.locked_by_idle = False
        self._restart()
        self.changed.emit(unlocked)

    def lock(self, *, idle: bool = False) -> None:
        if self._unlocked is None:
            return
        self._unlocked = None
        self._vault = None
        self.locked_by_idle = idle
        self._timer.stop()
        self.changed.emit(None)

    # --- idle ---
    def set_autolock_minutes(self, minutes: float) -> None:
        self.autolock_ms = int(float(minutes or 0) * 60_000)
        self._restart()

    def _restart(self) -> None:
        if self._unlocked is not None and self.autolock_ms > 0:
            self._timer.start(self.autolock_ms)
        else:
            self._timer.stop()

    def _idle_timeout(self) -> None:
        self.lock(idle=True)

    def poke(self) -> None:
        """Someone is at the keyboard (ui/app_events.py): restart the idle clock."""
        if self._unlocked is not None:
            self._restart()
