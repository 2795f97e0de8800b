"""The little the app keeps outside the data folder, in the user's Qt settings: which data folder
to open, and a copy of the language so the first window is already in it (the store's setting is
the one that counts, and the copy follows it)."""
from __future__ import annotations

from PySide6.QtCore import QSettings

ORG = "Inspector"
APP = "Inspector"


def _settings() -> QSettings:
    return QSettings(ORG, APP)


def data_dir() -> str | None:
    value = _settings().value("data_dir")
    return str(value) if value else None


def set_data_dir(path: str) -> None:
    _settings().setValue("data_dir", path)


def language() -> str | None:
    value = _settings().value("language")
    return str(value) if value else None


def set_language(lang: str) -> None:
    _settings().setValue("language", lang)
