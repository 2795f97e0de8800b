"""The `inspector-app` entry point: the composition root.

Everything the windows use is built here, once, and passed in: the Workspace (store, catalogues,
audit), the background-operation helper, the officer session, the thumbnail cache, the capture
service and the error presenter. No widget reaches for a global.

    inspector-app [--data-dir DIR] [--smoke]

--smoke starts offscreen with DIR (or a fresh temporary folder), loads the demo county, opens the
main window, unlocks a demo officer, records and signs a short inspection, renders its inspection
record (现场检查记录) to a PDF, and exits 0; any failure exits 1 with the reason.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()


def _parse(argv):
    parser = argparse.ArgumentParser(prog="inspector-app", description="Inspector：危险化学品安全生产执法检查")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="数据目录（默认：上次在设置中选择的文件夹、INSPECTOR_DATA_DIR，或系统用户数据目录）")
    parser.add_argument("--smoke", action="store_true", help="冒烟测试：离屏启动、载入演示数据、打开主窗口并生成一份文书后退出")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)  # bench/app.py
    return parser.parse_args(argv)


def _data_dir(args) -> Path:
    if args.data_dir is not None:
        return args.data_dir
    if args.smoke:
        return Path(tempfile.mkdtemp(prefix="inspector-smoke-"))
    if os.environ.get("INSPECTOR_DATA_DIR"):
        return Path(os.environ["INSPECTOR_DATA_DIR"])
    from inspector_app.ui import user_settings

    saved = user_settings.data_dir()
    if saved:
        return Path(saved)
    from inspector_app.paths import default_data_dir

    return default_data_dir()


def _install_qt_translations(app, lang: str) -> None:
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    if lang != "zh":
        return
    translator = QTranslator(app)
    if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))


def make_shell(errors=None):
    """The services that need no data folder, and the main window showing its lock screen."""
    from inspector_app.ui.app_events import AppEvents
    from inspector_app.ui.context import AppContext
    from inspector_app.ui.errors import ErrorPresenter, install_logging
    from inspector_app.ui.main_window import MainWindow
    from inspector_app.ui.operations import Operations
    from inspector_app.ui.qtcompat import collect_garbage_on_the_gui_thread, guard_singletons

    guard_singletons()
    collect_garbage_on_the_gui_thread()
    if errors is None:
        errors = ErrorPresenter(install_logging(Path(tempfile.gettempdir())))
    ops = Operations(present_error=errors)
    events = AppEvents(ops)  # installed by attach_workspace: nothing to watch before
    ctx = AppContext(ws=None, ops=ops, session=None, errors=errors)
    ctx.extra["events"] = events
    window = MainWindow(ctx)
    holder = {"window": window}
    ctx.extra["window"] = lambda: holder.get("window")
    ctx.extra["holder"] = holder
    errors.parent = lambda: holder.get("window")
    return ctx, window


def attach_workspace(ctx, ws, *, frame_input=None) -> None:
    """Everything that works on the data folder, then the pages of the window."""
    from inspector_app.ui import services
    from inspector_app.ui.session import OfficerSession
    from inspector_app.ui.thumbnails import ThumbnailCache
    from PySide6.QtWidgets import QApplication

    ctx.ws = ws
    QApplication.instance().installEventFilter(ctx.extra["events"])
    minutes = services.setting(ws, "autolock_minutes")
    ctx.session = OfficerSession(ws, services.DEFAULT_AUTOLOCK_MINUTES if minutes is None else minutes)
    ctx.extra["events"].activity.connect(ctx.session.poke)
    ctx.extra["thumbnails"] = ThumbnailCache(ws, ctx.ops, ctx.session)
    try:
        from inspector_app.capture.service import CaptureService

        ctx.capture = CaptureService(ws, ctx.ops, ctx.session, frame_input=frame_input)
    except ImportError:  # QtMultimedia missing from the installed wheels
        ctx.capture = None
    holder = ctx.extra["holder"]

    def relaunch() -> None:
        from inspector_app.ui.i18n import set_language
        from inspector_app.ui.main_window import MainWindow

        set_language(services.setting(ws, "language") or "zh")
        old = holder.get("window")
        app = QApplication.instance()
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        window = MainWindow(ctx)
        holder["window"] = window
        if old is not None:
            window.restoreGeometry(old.saveGeometry())
            old.hide()
            old.deleteLater()
        window.show()
        app.setQuitOnLastWindowClosed(quit_on_close)

    ctx.relaunch = relaunch
    holder["window"].attach()
    from inspector_app.ui.qtcompat import collect_garbage_on_the_gui_thread

    collect_garbage_on_the_gui_thread().settle()


def build(ws, *, frame_input=None, errors=None):
    """The services and the main window on an open workspace (tests, --smoke and tools/ build the
    app this way; main() does the same in two steps, showing the window before the store opens)."""
    from inspector_app.ui.errors import ErrorPresenter, install_logging

    if errors is None:
        errors = ErrorPresenter(install_logging(ws.data_dir))
    ctx, window = make_shell(errors)
    attach_workspace(ctx, ws, frame_input=frame_input)
    return ctx, window


def _saved_language() -> str | None:
    from inspector_app.ui import user_settings

    return user_settings.language()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.smoke:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    data_dir = _data_dir(args)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"无法创建数据目录 {data_dir}：{exc.strerror or exc}", file=sys.stderr)
        return 1

    from inspector_app.ui.errors import ErrorPresenter, install_logging

    errors = ErrorPresenter(install_logging(data_dir))
    errors.install_hooks()

    from inspector_app.ui.qtcompat import guard_singletons

    guard_singletons()  # PySide 6.12 on Python 3.11: see ui/qtcompat.py
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Inspector")
    app.setOrganizationName("Inspector")
    from inspector_app.ui import theme

    theme.apply(app)

    from inspector_app.domain.messages import InspectorError
    from inspector_app.ui.i18n import error_text, set_language

    if args.smoke:
        set_language(os.environ.get("INSPECTOR_LANG") or "zh")
        try:
            from inspector_app.workspace import Workspace

            ws = Workspace(data_dir)
        except InspectorError as exc:  # store.newer_version, store.unreadable …
            print(error_text(exc), file=sys.stderr)
            return 1
        return _smoke(ws, errors)

    # The window and its lock screen first; the data folder opens in the background (the store's
    # imports and checks take most of a second), and the pages are built when it is open.
    lang = os.environ.get("INSPECTOR_LANG") or _saved_language() or "zh"
    set_language(lang)
    _install_qt_translations(app, "zh" if lang == "zh" else "en")
    ctx, window = make_shell(errors)
    window.show()
    state = {"code": 0, "ws": None}
    if args.startup_probe:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: print(f"READY {time.perf_counter() - _T0:.4f}", flush=True))

    def opened(ws) -> None:
        from inspector_app.ui import services

        state["ws"] = ws
        attach_workspace(ctx, ws)
        stored = os.environ.get("INSPECTOR_LANG") or services.setting(ws, "language") or "zh"
        if stored != lang:
            ctx.relaunch()
        if args.startup_probe:
            print(f"STORE {time.perf_counter() - _T0:.4f}", flush=True)
            app.quit()

    def failed(exc) -> None:
        if isinstance(exc, InspectorError):  # store.newer_version, store.unreadable …
            text = error_text(exc)
            if args.startup_probe:
                print(text, file=sys.stderr)
            else:
                QMessageBox.critical(window, "Inspector", text)
        else:
            errors(exc)
        state["code"] = 1
        app.exit(1)

    def open_workspace(op):
        from inspector_app.workspace import Workspace

        return Workspace(data_dir)

    ctx.ops.run(open_workspace, kind="write", on_done=opened, on_error=failed, label="open")
    code = app.exec()
    ctx.ops.wait_for_workers()
    if state["ws"] is not None:
        state["ws"].close()
    return code or state["code"]


def _smoke(ws, errors) -> int:
    from PySide6.QtWidgets import QApplication

    from inspector_app.domain.messages import InspectorError
    from inspector_app.ui import services
    from inspector_app.ui.i18n import error_text

    app = QApplication.instance()
    passphrase = os.environ.get("INSPECTOR_PASSPHRASE") or "demo"
    try:
        if not services.officers_list(ws):
            services.load_demo(ws, passphrase)
        if not services.setting(ws, "county_name"):
            services.save_settings(ws, dict(services.DEMO_COUNTY), by=None)
        ctx, window = build(ws, errors=errors)
        window.show()
        app.processEvents()
        officers = services.officers_list(ws)
        ctx.session.set_unlocked(services.unlock(ws, officers[0].cert, passphrase))
        app.processEvents()
        code = services.enterprise_codes(ws, "")[0]
        keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
        iid = services.create_inspection(ws, enterprise_code=code, inspectors=[o.cert for o in officers[:2]],
                                         catalogue_keys=keys)
        window.open_inspection(iid)
        app.processEvents()
        for item in services.inspection_state(ws, iid).items:
            if item.result == "not-checked":
                services.set_result(ws, iid, item.item_id, "compliant")
        services.sign(ws, iid, lambda cert: passphrase)
        results = services.render_documents(ws, iid, services.documents_dir(ws), vault=ctx.session.vault,
                                            kinds=["check-record"])
        window.close()
        ctx.ops.wait_for_workers()
        app.processEvents()
        if errors.shown:
            print("\n".join(errors.shown), file=sys.stderr)
            return 1
        for r in results:
            print(f"smoke: {r.kind} {r.number} {r.pages} pages -> {r.path}")
        print(f"smoke: ok ({ws.data_dir})")
        return 0
    except InspectorError as exc:
        print(f"smoke: {error_text(exc)}", file=sys.stderr)
        return 1
    finally:
        ws.close()


if __name__ == "__main__":
    raise SystemExit(main())
