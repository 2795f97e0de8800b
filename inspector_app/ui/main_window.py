"""The main window: the lock screen, or the pages (Home, Enterprises, Inspection, Evidence,
Settings) with a keyboard-reachable page list, menus whose shortcuts come from ui/shortcuts.py,
and a status bar with the officer, a recording indicator and background work."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QApplication, QDialog, QFrame, QHBoxLayout, QLabel, QListWidget, QMainWindow, QStackedWidget, QWidget,
)

from . import shortcuts
from .i18n import define, tr
from .navigator import Navigator
from .unlock import LockPage

# The pages (and through them the store and SQLAlchemy) are imported by attach(), once the data
# folder is open, so that the window can show before.

APP_TITLE = define("ui.app.title", "危险化学品安全执法检查", "Hazardous chemicals enforcement inspection")
TITLE_WITH = define("ui.app.title_with", "{app} — {name}", "{app} — {name}")
OFFICER = define("ui.app.officer", "当前执法人员：{name}（{cert}）", "Officer: {name} ({cert})")
LOCKED = define("ui.app.locked", "已锁定", "Locked")
BUSY = define("ui.app.busy", "后台处理中：{count} 项", "Working in the background: {count}")
PAGES = define("ui.app.pages", "页面", "Pages")
MENU_FILE = define("ui.menu.file", "文件(&F)", "&File")
MENU_GO = define("ui.menu.go", "页面(&G)", "&Go")
MENU_INSPECTION = define("ui.menu.inspection", "检查(&I)", "&Inspection")
MENU_EVIDENCE = define("ui.menu.evidence", "证据(&E)", "&Evidence")
MENU_OFFICER = define("ui.menu.officer", "人员(&O)", "&Officer")
MENU_HELP = define("ui.menu.help", "帮助(&H)", "&Help")
PAGE_HOME = define("ui.page.home", "首页", "Home")
PAGE_ENTERPRISES = define("ui.page.enterprises", "企业", "Enterprises")
PAGE_INSPECTION = define("ui.page.inspection", "当前检查", "Inspection")
PAGE_EVIDENCE = define("ui.page.evidence", "证据", "Evidence")
PAGE_SETTINGS = define("ui.page.settings", "设置", "Settings")
NO_CAMERA_MODULE = define(
    "ui.app.no_capture",
    "本机的 Qt 多媒体组件不可用，无法拍照或录像；仍可导入证据文件。",
    "Qt Multimedia is not available here, so nothing can be photographed or recorded; evidence files can still "
    "be imported.",
)

PAGE_NAMES = ["home", "enterprises", "inspection", "evidence", "settings"]


class MainWindow(QMainWindow):
    def __init__(self, ctx, parent=None):
        """The window and its lock screen need no store: they show at once, and the pages are
        built by attach() when app.py has opened the data folder (in the background)."""
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle(tr(APP_TITLE))
        self.nav = Navigator(self)
        self.dialogs: list[QDialog] = []
        self._dirty: set[str] = set()
        self.attached = False
        self.root = QStackedWidget()
        self.lock_page = LockPage(ctx)
        self.root.addWidget(self.lock_page)
        self.setCentralWidget(self.root)
        bar = self.statusBar()
        self.officer_label = QLabel(tr(LOCKED))
        self.officer_label.setObjectName("officerLabel")
        bar.addPermanentWidget(self.officer_label)
        self.recording = QFrame()
        self.recording.setObjectName("recording")
        rl = QHBoxLayout(self.recording)
        rl.setContentsMargins(0, 0, 0, 0)
        self.recording_label = QLabel("")
        self.recording_label.setObjectName("recordingLabel")
        rl.addWidget(self.recording_label)
        self.recording.hide()
        bar.addPermanentWidget(self.recording)
        self.busy = QLabel("")
        self.busy.setObjectName("busyLabel")
        bar.addPermanentWidget(self.busy)
        ctx.ops.busy_changed.connect(self._busy)
        self.actions_ = {}
        self._build_menus()
        self._set_unlocked_actions(False)
        self.resize(QSize(1280, 820))
        if ctx.ws is not None:
            self.attach()

    def attach(self) -> None:
        """Build the pages on the opened data folder and wire them to the session."""
        if self.attached:
            return
        from .enterprises import EnterprisesPage
        from .evidence import EvidencePage
        from .home import HomePage
        from .inspection import InspectionPage
        from .settings_page import SettingsPage

        ctx = self.ctx
        self.attached = True
        work = QWidget()
        wl = QHBoxLayout(work)
        self.page_list = QListWidget()
        self.page_list.setObjectName("pageList")
        self.page_list.setAccessibleName(tr(PAGES))
        for code in (PAGE_HOME, PAGE_ENTERPRISES, PAGE_INSPECTION, PAGE_EVIDENCE, PAGE_SETTINGS):
            self.page_list.addItem(tr(code))
        self.page_list.setFixedWidth(max(150, self.page_list.sizeHintForColumn(0) + 36))
        wl.addWidget(self.page_list)
        self.pages = QStackedWidget()
        from .sync import SyncController

        self.sync = SyncController(ctx, self.nav, parent=self)
        ctx.extra["sync"] = self.sync
        self.home = HomePage(ctx, self.nav)
        self.enterprises = EnterprisesPage(ctx, self.nav)
        self.inspection = InspectionPage(ctx, self.nav)
        self.evidence = EvidencePage(ctx, self.nav)
        self.settings = SettingsPage(ctx, self.nav)
        for page in (self.home, self.enterprises, self.inspection, self.evidence, self.settings):
            self.pages.addWidget(page)
        wl.addWidget(self.pages, 1)
        self.root.addWidget(work)
        self.work = work
        self.page_list.currentRowChanged.connect(self._page_changed)
        self.nav.show_page.connect(self.show_page)
        self.nav.open_inspection.connect(self.open_inspection)
        self.nav.open_enterprise.connect(self.open_enterprise)
        self.nav.new_inspection.connect(self.new_inspection)
        self.nav.data_changed.connect(self._data_changed)
        ctx.session.changed.connect(self._session_changed)
        if ctx.capture is not None:
            ctx.capture.recording_changed.connect(self._recording_changed)
            ctx.capture.message.connect(self._capture_message)
            ctx.capture.imported.connect(self._capture_imported)
        # When a dialog closes, give the keyboard back to its window (some platforms leave no
        # window active, and an inspector typing on would type into nothing).
        events = ctx.extra.get("events")
        if events is not None:
            events.dialog_closed.connect(self._dialog_closed)
        self.lock_page.reload()
        self._session_changed(ctx.session.officer)

    def _busy(self, n: int) -> None:
        self.busy.setText(tr(BUSY, count=n) if n else "")

    def _capture_imported(self, _sha: str) -> None:
        self._data_changed("evidence")

    # --- menus ---
    def _build_menus(self) -> None:
        act = self._action
        menu = self.menuBar().addMenu(tr(MENU_FILE))
        menu.addAction(act("quit", self.close))
        menu = self.menuBar().addMenu(tr(MENU_GO))
        for i, name in enumerate(PAGE_NAMES):
            menu.addAction(act(f"page.{name}", lambda name=name: self.show_page(name)))
        menu.addAction(act("find", self.find_enterprise))
        menu.addAction(act("refresh", self.refresh_current))
        menu.addAction(act("sync.now", self.sync_now))
        menu = self.menuBar().addMenu(tr(MENU_INSPECTION))
        menu.addAction(act("inspection.new", lambda: self.new_inspection("")))
        menu = self.menuBar().addMenu(tr(MENU_EVIDENCE))
        # quick record works from every window of the app, dialogs included, locked or not
        menu.addAction(act("quick_record", self.quick_record, context=Qt.ShortcutContext.ApplicationShortcut,
                           always=True))
        menu.addAction(act("camera", self.open_camera))
        menu.addAction(act("import.files", lambda: self._evidence_do("import_files")))
        menu.addAction(act("import.folder", lambda: self._evidence_do("import_folder")))
        menu = self.menuBar().addMenu(tr(MENU_OFFICER))
        menu.addAction(act("lock", self.lock))
        menu.addAction(act("switch", self.switch_officer, always=True))
        menu = self.menuBar().addMenu(tr(MENU_HELP))
        menu.addAction(act("help", self.show_shortcuts, always=True))

    def _action(self, id: str, slot, *, context=Qt.ShortcutContext.WindowShortcut, always: bool = False):
        action = shortcuts.action(self, id, slot, context=context)
        action.setProperty("always", always)
        self.actions_[id] = action
        return action

    def _set_unlocked_actions(self, on: bool) -> None:
        on = on and self.attached
        for action in self.actions_.values():
            if not action.property("always"):
                action.setEnabled(on)

    # --- the session ---
    def _session_changed(self, unlocked) -> None:
        if unlocked is None:
            self.inspection.flush()
            self._close_dialogs()
            self.root.setCurrentWidget(self.lock_page)
            self.lock_page.prepare(idle=self.ctx.session.locked_by_idle)
            self.officer_label.setText(tr(LOCKED))
            self.setWindowTitle(tr(APP_TITLE))
            self._set_unlocked_actions(False)
            self.ctx.ops.cancel_all()
            return
        self.officer_label.setText(tr(OFFICER, name=unlocked.name, cert=unlocked.cert))
        self.setWindowTitle(tr(TITLE_WITH, app=tr(APP_TITLE), name=unlocked.name))
        self._set_unlocked_actions(True)
        self.root.setCurrentWidget(self.work)
        from . import services

        last = services.setting(self.ctx.ws, services.LAST_INSPECTION)
        resumed = False
        if last and self.inspection.inspection_id is None:
            try:
                state = services.inspection_state(self.ctx.ws, last)
            except Exception:  # noqa: BLE001 - a stale pointer is no reason not to start
                state = None
            if state is not None and state.status == "draft":
                self.open_inspection(state.id)
                resumed = True
        if not resumed:
            if self.inspection.inspection_id is not None and self.pages.currentWidget() is self.inspection:
                self.inspection.reload()
                self.inspection.table.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self.show_page(PAGE_NAMES[max(0, self.page_list.currentRow())])
        self._dirty = set(PAGE_NAMES)
        self._refresh_page(self.pages.currentWidget())

    def _dialog_closed(self, owner) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: self._reactivate(owner))

    def _reactivate(self, owner) -> None:
        try:
            if QApplication.activeWindow() is not None or not self.isVisible():
                return
            target = owner if owner is not None and owner.isVisible() else self
            target.activateWindow()
        except RuntimeError:  # a window being deleted
            pass

    def _close_dialogs(self) -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible() and w.objectName() not in ("cameraWindow",):
                w.reject()

    def lock(self) -> None:
        if self.ctx.session is not None:
            self.ctx.session.lock()

    def switch_officer(self) -> None:
        if self.ctx.session is None:
            return
        self.ctx.session.lock()
        self.lock_page.prepare(switch=True)

    # --- pages ---
    def show_page(self, name: str) -> None:
        if not self.attached or self.ctx.session.officer is None:
            return
        row = PAGE_NAMES.index(name)
        if self.page_list.currentRow() != row:
            self.page_list.setCurrentRow(row)
        else:
            self._page_changed(row)

    def _page_changed(self, row: int) -> None:
        if row < 0:
            return
        page = self.pages.widget(row)
        self.pages.setCurrentWidget(page)
        self._refresh_page(page, force=page is self.home)
        focus = {self.home: self.home.drafts, self.enterprises: self.enterprises.search.box,
                 self.inspection: self.inspection.table, self.evidence: self.evidence.grid,
                 self.settings: self.settings.fields["county_name"]}.get(page)
        if focus is not None and focus.isEnabled():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refresh_page(self, page, force: bool = False) -> None:
        name = PAGE_NAMES[self.pages.indexOf(page)]
        if force or name in self._dirty:
            self._dirty.discard(name)
            page.refresh() if hasattr(page, "refresh") else None

    def refresh_current(self) -> None:
        page = self.pages.currentWidget()
        if page is self.inspection:
            self.inspection.reload()
        elif hasattr(page, "refresh"):
            page.refresh()

    def _data_changed(self, kind: str) -> None:
        self._dirty |= {"home", "evidence", "enterprises"}
        current = self.pages.currentWidget()
        if current in (self.home, self.evidence):
            self._refresh_page(current)

    def sync_now(self) -> None:
        if not self.attached or self.ctx.session.officer is None:
            return
        self.show_page("home")
        self.sync.run_now()

    def find_enterprise(self) -> None:
        self.show_page("enterprises")
        self.enterprises.focus_search()

    def open_enterprise(self, code: str) -> None:
        self.show_page("enterprises")
        self.enterprises.show_enterprise(code)

    def open_inspection(self, inspection_id: str) -> None:
        if not self.attached or self.ctx.session.officer is None:
            return
        self.inspection.open(inspection_id)
        self.show_page("inspection")
        self.inspection.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def new_inspection(self, code: str = "") -> None:
        if not self.attached or self.ctx.session.officer is None:
            return
        from .inspection import NewInspectionDialog

        dialog = NewInspectionDialog(self.ctx, code or None, self)
        dialog.created.connect(self.open_inspection)
        dialog.created.connect(lambda _id: self._data_changed("inspection"))
        dialog.finished.connect(lambda _c, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
        if not code:
            dialog.search.box.setFocus(Qt.FocusReason.OtherFocusReason)
        return dialog

    def _evidence_do(self, method: str) -> None:
        if not self.attached:
            return
        self.show_page("evidence")
        getattr(self.evidence, method)()

    # --- capture ---
    def quick_record(self) -> None:
        if not self.attached:
            return
        if self.ctx.capture is None:
            self.ctx.errors.show(tr(NO_CAMERA_MODULE))
            return
        self.ctx.capture.toggle_quick_record()

    def open_camera(self) -> None:
        if not self.attached:
            return
        if self.ctx.capture is None:
            self.ctx.errors.show(tr(NO_CAMERA_MODULE))
            return
        self.camera_window = self.ctx.capture.open_camera_window(self)

    def _recording_changed(self, on: bool) -> None:
        self.recording.setVisible(on)

    def _capture_message(self, text: str) -> None:
        if self.ctx.capture is not None and self.ctx.capture.recording:
            self.recording_label.setText(text)
        else:
            self.statusBar().showMessage(text, 15000)

    # --- help ---
    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = shortcuts.ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    # --- closing: nothing is lost ---
    def closeEvent(self, event) -> None:
        if self.attached:
            self.inspection.flush()
        if self.ctx.capture is not None:
            self.ctx.capture.shutdown()
        self.ctx.ops.cancel_all()
        self.ctx.ops.wait_for_workers()
        QApplication.processEvents()
        event.accept()
