"""The entry point: --smoke, a missing data folder, a store from a newer version, the exception
hook (details logged, a plain Chinese sentence shown, no traceback)."""
from __future__ import annotations

import sqlite3
import sys

from inspector_app.ui.errors import ErrorPresenter, install_logging
from inspector_app.workspace import Workspace
from conftest import run_script


def test_smoke_renders_a_document_and_exits_0(tmp_path):
    data = tmp_path / "not" / "there" / "yet"  # a missing data folder is created
    result = run_script("inspector-app", "--data-dir", str(data), "--smoke")
    assert result.returncode == 0, result.stderr
    assert "smoke: ok" in result.stdout and "check-record" in result.stdout
    assert list((data / "documents").glob("check-record-*.pdf"))


def test_a_store_from_a_newer_version_is_refused_in_chinese(tmp_path):
    data = tmp_path / "data"
    Workspace(data).close()
    with sqlite3.connect(data / "inspector.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    result = run_script("inspector-app", "--data-dir", str(data), "--smoke")
    assert result.returncode == 1
    assert "由更新版本的 Inspector 创建" in result.stderr and "Traceback" not in result.stderr


def test_the_exception_hook_logs_details_and_shows_a_plain_message(qtbot, tmp_path):
    presenter = ErrorPresenter(install_logging(tmp_path))
    old_hook = sys.excepthook
    presenter.install_hooks()
    try:
        try:
            raise ZeroDivisionError("boom in a slot")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old_hook
        import threading

        threading.excepthook = threading.__excepthook__
    log = (tmp_path / "inspector-app-errors.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: boom in a slot" in log and "Traceback" in log
    shown = presenter.shown[-1]
    assert "内部错误" in shown and str(tmp_path) in shown
    assert "Traceback" not in shown and "ZeroDivisionError" not in shown
    for box in list(presenter._boxes):
        box.close()
