"""The services a window needs, built once by app.py and handed down (no global main window)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable


@dataclass
class AppContext:
    ws: Any  # inspector_app.workspace.Workspace
    ops: Any  # ui.operations.Operations
    session: Any  # ui.session.OfficerSession
    errors: Any  # ui.errors.ErrorPresenter
    capture: Any = None  # capture.quick.CaptureService, when QtMultimedia is available
    today: Callable[[], date] = date.today
    relaunch: Callable[[], None] | None = None  # rebuild the windows (after a language change)
    extra: dict = field(default_factory=dict)
