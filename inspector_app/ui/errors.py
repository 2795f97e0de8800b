"""How errors reach a person: an InspectorError's Chinese (or English) text in a message box; any
other exception is logged with its traceback in the data folder and shown as a plain sentence.
No traceback ever reaches an inspector."""
from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Callable

from inspector_app.domain.messages import InspectorError

from .i18n import define, error_text, tr

LOG_NAME = "inspector-app-errors.log"
log = logging.getLogger("inspector.app")

TITLE = define("ui.error.title", "无法完成", "Could not complete")
OK = define("ui.ok", "确定", "OK")
INTERNAL_TITLE = define("ui.error.internal_title", "内部错误", "Internal error")
INTERNAL_LOGGED = define(
    "ui.error.internal_logged",
    "程序出现内部错误，操作未完成。详情已记录在 {path}，请把该文件交给技术支持。已保存的数据不受影响。",
    "An internal error stopped this action. The details are logged in {path}; please pass that file to support. "
    "Your saved data is not affected.",
)


def install_logging(data_dir: Path) -> Path:
    path = Path(data_dir) / LOG_NAME
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_inspector", False)]:
        root.removeHandler(old)
    handler._inspector = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


class ErrorPresenter:
    """Shows errors; ``parent()`` gives the window to centre on (None before there is one)."""

    def __init__(self, log_path: Path, parent: Callable[[], object] | None = None):
        self.log_path = Path(log_path)
        self.parent = parent or (lambda: None)
        self.shown: list[str] = []  # every message shown, newest last (tests read it)
        self._boxes: list = []

    def text_for(self, exc: BaseException) -> str:
        if isinstance(exc, InspectorError):
            return error_text(exc)
        return tr(INTERNAL_LOGGED, path=str(self.log_path))

    def __call__(self, exc: BaseException) -> None:
        if not isinstance(exc, InspectorError):
            log.error("internal error", exc_info=(type(exc), exc, exc.__traceback__))
        self.show(self.text_for(exc), internal=not isinstance(exc, InspectorError))

    def show(self, text: str, *, internal: bool = False) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        self.shown.append(text)
        if QApplication.instance() is None:
            print(text, file=sys.stderr)
            return
        box = QMessageBox(QMessageBox.Icon.Critical if internal else QMessageBox.Icon.Warning,
                          tr(INTERNAL_TITLE if internal else TITLE), text, QMessageBox.StandardButton.Ok,
                          self.parent())
        box.setObjectName("errorBox")
        box.button(QMessageBox.StandardButton.Ok).setText(tr(OK))
        box.finished.connect(lambda _=0, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.open()

    # --- the exception hook: uncaught errors in slots and threads ---
    def install_hooks(self) -> None:
        def hook(exc_type, exc, tb):
            if issubclass(exc_type, KeyboardInterrupt):
                sys.__excepthook__(exc_type, exc, tb)
                return
            if isinstance(exc, InspectorError):
                self.show(error_text(exc))
                return
            log.error("uncaught exception", exc_info=(exc_type, exc, tb))
            try:
                self.show(tr(INTERNAL_LOGGED, path=str(self.log_path)), internal=True)
            except Exception:  # noqa: BLE001 - the hook must never raise
                pass

        def thread_hook(args):
            if args.exc_type is SystemExit:
                return
            log.error("uncaught exception in thread %s", args.thread, exc_info=(args.exc_type, args.exc_value,
                                                                               args.exc_traceback))

        sys.excepthook = hook
        threading.excepthook = thread_hook
