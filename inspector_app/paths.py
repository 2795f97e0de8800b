"""Where shipped data (catalogues, fonts, templates) and the user's data live.

Shipped data sits beside the packages in a source checkout or an editable install, and under
sys._MEIPASS in a PyInstaller build; the spec names these folders explicitly.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Inspector"


def project_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def checklists_dir() -> Path:
    return project_root() / "checklists"


def resources_dir() -> Path:
    return project_root() / "resources"


def default_data_dir() -> Path:
    env = os.environ.get("INSPECTOR_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))
