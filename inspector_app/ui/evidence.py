"""Evidence: a lazy grid of thumbnails, a photo viewer and a video player, import from files,
folders and body cams with progress and cancel, and attaching evidence to inspections and findings.

The player never writes plaintext to disk: QMediaPlayer reads the decrypting vault reader through
a loopback HTTP server bound to 127.0.0.1 at a random path, for as long as the player is open
(the one store/derived.py uses for ffmpeg).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QProgressDialog,
    QPushButton, QVBoxLayout, QWidget,
)

from inspector_app.domain.messages import InspectorError

from . import services
from .home import kind_text
from .i18n import define, language, tr
from .shortcuts import keys
from .widgets import buddy, note, title

TITLE = define("ui.ev.title", "证据", "Evidence")
SHOW = define("ui.ev.show", "显示(&W)", "Sho&w")
SHOW_ALL = define("ui.ev.show_all", "全部证据", "All evidence")
SHOW_UNASSIGNED = define("ui.ev.show_unassigned", "尚未关联的证据", "Not yet attached")
IMPORT_FILES = define("ui.ev.import_files", "导入文件… (Ctrl+O)", "Import files… (Ctrl+O)")
IMPORT_FOLDER = define("ui.ev.import_folder", "从文件夹或执法记录仪导入… (Ctrl+I)", "Import a folder or body cam… (Ctrl+I)")
CAMERA = define("ui.ev.camera", "摄像头… (Ctrl+Shift+C)", "Camera… (Ctrl+Shift+C)")
ATTACH = define("ui.ev.attach", "附到检查或隐患… (Ctrl+T)", "Attach to… (Ctrl+T)")
VIEW = define("ui.ev.view", "查看／播放 (Enter)", "View / play (Enter)")
GRID = define("ui.ev.grid", "证据列表(&L)", "Evidence &list")
COUNT = define("ui.ev.count", "共 {count} 件", "{count} files")
EMPTY = define(
    "ui.ev.empty",
    "证据库中还没有证据。可导入照片、视频，或用摄像头拍摄；按 Ctrl+Shift+R 可随时快速录像。",
    "The vault holds no evidence yet. Import photos or videos, or use the camera; Ctrl+Shift+R starts a quick "
    "recording from anywhere.",
)
LOCKED = define("ui.ev.locked", "已锁定：解锁后才能查看和导入证据。", "Locked: unlock to see and import evidence.")
CELL = define("ui.ev.cell", "{kind} · {time}\n{name}", "{kind} · {time}\n{name}")
INFO = define(
    "ui.ev.info",
    "{name}\n{kind} · {media_type} · {size} · 采集 {time} · 采集人 {by}\nSHA-256：{sha}",
    "{name}\n{kind} · {media_type} · {size} · captured {time} by {by}\nSHA-256: {sha}",
)
INFO_NOTE = define("ui.ev.info_note", "说明：{note}", "Note: {note}")
UNKNOWN_BY = define("ui.ev.unknown_by", "未记录", "not recorded")
IMPORTING = define("ui.ev.importing", "正在导入证据…", "Importing evidence…")
IMPORT_PROGRESS = define(
    "ui.ev.import_progress",
    "正在导入第 {done}/{total} 个文件（{mb_done}/{mb_total} MB）\n{current}",
    "Importing file {done} of {total} ({mb_done}/{mb_total} MB)\n{current}",
)
IMPORT_DONE = define(
    "ui.ev.import_done",
    "导入完成：新增 {new} 件，已有 {dup} 件，跳过 {skipped} 个非媒体文件，失败 {failed} 个。",
    "Import finished: {new} new, {dup} already in the vault, {skipped} non-media files skipped, {failed} failed.",
)
IMPORT_CANCELLED = define(
    "ui.ev.import_cancelled",
    "导入已取消：取消前导入的 {new} 件已安全保存。",
    "Import cancelled: the {new} files imported before are safely stored.",
)
CANCEL = define("ui.ev.cancel", "取消", "Cancel")
CLOSE = define("ui.close", "关闭", "Close")
CHOOSE_FOLDER = define("ui.ev.choose_folder", "选择文件夹或执法记录仪的存储", "Choose a folder or a body cam's drive")
CHOOSE_FILES = define("ui.ev.choose_files", "选择证据文件", "Choose evidence files")
ATTACH_TITLE = define("ui.ev.attach_title", "附到检查或隐患", "Attach to an inspection or finding")
ATTACH_INSPECTION = define("ui.ev.attach_inspection", "检查(&I)", "&Inspection")
ATTACH_TARGET = define("ui.ev.attach_target", "附到(&T)", "Attach &to")
ATTACH_ITSELF = define("ui.ev.attach_itself", "检查本身（不属于某项隐患）", "The inspection itself (no particular finding)")
ATTACH_FINDING = define("ui.ev.attach_finding", "隐患：{item} {description}", "Finding: {item} {description}")
ATTACH_OK = define("ui.ev.attach_ok", "附上", "Attach")
ATTACH_NONE = define("ui.ev.attach_none", "没有未签名的检查可附。签名后的记录不能再附加证据。", "No unsigned inspection to attach to; signed records cannot change.")
ATTACH_DONE = define("ui.ev.attach_done", "已附上 {count} 件证据。", "{count} evidence files attached.")
ATTACH_PICK = define("ui.ev.attach_pick", "请先在列表中选择证据。", "Select evidence in the list first.")
INSPECTION_ROW = define("ui.ev.inspection_row", "{name} · {date}", "{name} · {date}")
VIEWER_TITLE = define("ui.ev.viewer", "查看证据", "Evidence viewer")
PLAY = define("ui.ev.play", "播放／暂停 (空格)", "Play / pause (Space)")
LOADING = define("ui.ev.loading", "正在解密载入…", "Decrypting…")
CELL_ANNOTATED = define("ui.ev.cell_annotated", "{kind} · {time}\n【标注副本】{name}", "{kind} · {time}\n[Annotated] {name}")
ANNOTATED_TIP = define("ui.ev.annotated_tip", "标注副本，原件：{original}", "Annotated copy of {original}")
TOOL_ARROW = define("ui.ev.tool_arrow", "箭头 (A)", "Arrow (A)")
TOOL_BOX = define("ui.ev.tool_box", "方框 (B)", "Box (B)")
TOOL_TEXT = define("ui.ev.tool_text", "文字 (T)", "Text (T)")
ANNOTATE_SAVE = define("ui.ev.annotate_save", "保存标注副本 (Ctrl+S)", "Save annotated copy (Ctrl+S)")
ANNOTATE_CANCEL = define("ui.ev.annotate_cancel", "取消标注 (Esc)", "Cancel (Esc)")
ANNOTATE_HINT = define(
    "ui.ev.annotate_hint",
    "标注：按 A（箭头）、B（方框）或 T（文字）选工具，在照片上拖动或点击放置，Ctrl+S 保存为副本，原件不变。",
    "Annotate: press A (arrow), B (box) or T (text), drag or click on the photo, Ctrl+S saves a copy; "
    "the original is never changed.",
)
ANNOTATE_MODE = define(
    "ui.ev.annotate_mode",
    "正在标注（{tool}），已画 {count} 个。拖动放置；Ctrl+S 保存副本；Esc 取消。",
    "Annotating ({tool}), {count} drawn. Drag to place; Ctrl+S saves a copy; Esc cancels.",
)
ANNOTATE_SAVING = define("ui.ev.annotate_saving", "正在保存标注副本…", "Saving the annotated copy…")
ANNOTATE_SAVED = define(
    "ui.ev.annotate_saved",
    "已保存标注副本 {name}，原件未改动。",
    "Saved the annotated copy {name}; the original is unchanged.",
)
ANNOTATE_NOTHING = define("ui.ev.annotate_nothing", "还没有画任何标注。", "Nothing has been drawn yet.")
TOOL_NAMES = {"arrow": define("ui.ev.tool.arrow", "箭头", "arrow"), "box": define("ui.ev.tool.box", "方框", "box"),
              "text": define("ui.ev.tool.text", "文字", "text"), None: define("ui.ev.tool.none", "未选工具", "no tool")}
NO_MULTIMEDIA = define("ui.ev.no_multimedia", "本机无法播放视频（缺少 Qt 多媒体组件）。", "Video cannot be played here (Qt Multimedia is missing).")


def _size_text(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class EvidenceGridModel(QAbstractListModel):
    """All originals' metadata is small; what is expensive is the thumbnails, which are asked for
    only for the cells the view paints, and the cells, which are handed out a batch at a time."""

    BATCH = 60
    ShaRole = Qt.ItemDataRole.UserRole
    RowRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, ws, thumbnails, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.thumbnails = thumbnails
        self._all: list[services.EvidenceRow] = []
        self._shown = 0
        self._index: dict[str, int] = {}
        placeholder = QPixmap(thumbnails.size if thumbnails else QSize(160, 120))
        placeholder.fill(QColor("#dadce0"))
        self.placeholder = placeholder
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumb_ready)

    def load(self, *, unassigned: bool) -> int:
        self.beginResetModel()
        self._all = services.evidence_rows(self.ws, unassigned=unassigned)
        self._index = {r.sha256: i for i, r in enumerate(self._all)}
        self._shown = 0
        self.endResetModel()
        return len(self._all)

    @property
    def total(self) -> int:
        return len(self._all)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._shown

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._shown < len(self._all)

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid():
            return
        n = min(self.BATCH, len(self._all) - self._shown)
        if n <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + n - 1)
        self._shown += n
        self.endInsertRows()

    def row(self, i: int) -> services.EvidenceRow:
        return self._all[i]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= self._shown:
            return None
        r = self._all[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(CELL_ANNOTATED if r.derived_from else CELL, kind=kind_text(r.kind),
                      time=r.captured_at[5:16].replace("T", " "), name=r.original_name)
        if role == Qt.ItemDataRole.DecorationRole:
            if self.thumbnails is None:
                return self.placeholder
            pix = self.thumbnails.request(r.sha256)
            return pix if pix is not None else self.placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{r.original_name}\n{r.sha256}"
            return tip + "\n" + tr(ANNOTATED_TIP, original=r.derived_from) if r.derived_from else tip
        if role == self.ShaRole:
            return r.sha256
        if role == self.RowRole:
            return r
        return None

    def _thumb_ready(self, sha: str) -> None:
        i = self._index.get(sha)
        if i is not None and i < self._shown:
            idx = self.index(i)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class EvidencePage(QWidget):
    def __init__(self, ctx, nav, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.nav = nav
        self.setObjectName("evidencePage")
        self.import_op = None
        self.progress: QProgressDialog | None = None
        self.last_report = None
        self.viewer = None
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        bar = QHBoxLayout()
        self.filter = QComboBox()
        self.filter.setObjectName("evidenceFilter")
        self.filter.addItem(tr(SHOW_ALL), False)
        self.filter.addItem(tr(SHOW_UNASSIGNED), True)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(buddy(tr(SHOW), self.filter))
        bar.addWidget(self.filter)
        bar.addStretch(1)
        self.buttons = {}
        for name, text, slot in (("importFiles", IMPORT_FILES, self.import_files),
                                 ("importFolder", IMPORT_FOLDER, self.import_folder),
                                 ("camera", CAMERA, self._camera),
                                 ("attach", ATTACH, self.attach),
                                 ("view", VIEW, self.view_current)):
            b = QPushButton(tr(text))
            b.setObjectName(name)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self.buttons[name] = b
        layout.addLayout(bar)
        self.status = note("")
        self.status.setObjectName("evidenceStatus")
        layout.addWidget(self.status)
        self.model = EvidenceGridModel(ctx.ws, ctx.extra.get("thumbnails"), self)
        self.grid = QListView()
        self.grid.setObjectName("evidenceGrid")
        self.grid.setModel(self.model)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setIconSize(QSize(160, 120))
        self.grid.setGridSize(QSize(190, 190))
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(True)
        self.grid.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.grid.activated.connect(lambda idx: self.view_current())
        layout.addWidget(buddy(tr(GRID), self.grid))
        layout.addWidget(self.grid, 1)
        self.info = note("")
        self.info.setObjectName("evidenceInfo")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)
        self.grid.selectionModel().currentChanged.connect(lambda cur, _p: self._show_info(cur))
        QShortcut(keys("attach"), self, activated=self.attach, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- list ---
    def refresh(self) -> None:
        locked = self.ctx.session.officer is None
        total = self.model.load(unassigned=bool(self.filter.currentData()))
        if locked:
            self.status.setText(tr(LOCKED))
        elif self.last_report is not None:
            pass  # the outcome of the last import stays readable
        elif total == 0:
            self.status.setText(tr(EMPTY))
        else:
            self.status.setText(tr(COUNT, count=total))
        for b in self.buttons.values():
            b.setEnabled(not locked)
        self.buttons["camera"].setEnabled(not locked and self.ctx.capture is not None)
        if self.model.canFetchMore():
            self.model.fetchMore()
        if self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(0))

    def _show_info(self, index) -> None:
        if not index.isValid():
            self.info.clear()
            return
        r = self.model.row(index.row())
        text = tr(INFO, name=r.original_name, kind=kind_text(r.kind), media_type=r.media_type, size=_size_text(r.size),
                  time=r.captured_at[:19].replace("T", " "), by=r.captured_by or tr(UNKNOWN_BY), sha=r.sha256)
        if r.note:
            text += "\n" + tr(INFO_NOTE, note=r.note)
        self.info.setText(text)

    def selected_rows(self) -> list[services.EvidenceRow]:
        rows = sorted({i.row() for i in self.grid.selectionModel().selectedIndexes()})
        if not rows and self.grid.currentIndex().isValid():
            rows = [self.grid.currentIndex().row()]
        return [self.model.row(i) for i in rows]

    # --- import ---
    def import_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr(CHOOSE_FILES))
        if files:
            self.start_import([Path(f) for f in files])

    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr(CHOOSE_FOLDER))
        if folder:
            self.start_import([Path(folder)])

    def start_import(self, paths: list[Path], *, inspection: str | None = None) -> None:
        officer = self.ctx.session.officer
        if officer is None or (self.import_op is not None and not self.import_op.done):
            return
        ws = self.ctx.ws
        self.last_report = None
        self.progress = QProgressDialog(tr(IMPORTING), tr(CANCEL), 0, 1000, self)
        self.progress.setObjectName("importProgress")
        self.progress.setWindowTitle(tr(IMPORTING))
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.import_op = self.ctx.ops.run(
            lambda op: services.import_paths(ws, officer, paths, inspection=inspection, op=op), kind="write",
            on_done=self._imported, on_error=self._import_failed, on_progress=self._import_progress, label="import")
        self.progress.canceled.connect(self.import_op.cancel)
        self.import_op.finished.connect(self._import_finished)
        self.progress.open()

    def _import_progress(self, p) -> None:
        if self.progress is None or p is None:
            return
        total = max(1, p.bytes_total)
        self.progress.setValue(int(1000 * p.bytes_done / total))
        self.progress.setLabelText(tr(IMPORT_PROGRESS, done=min(p.files_done + 1, p.files_total), total=p.files_total,
                                      mb_done=p.bytes_done >> 20, mb_total=p.bytes_total >> 20,
                                      current=Path(p.current).name if p.current else ""))

    def _imported(self, results) -> None:
        self.last_report = results
        new = sum(1 for r in results if r.status == "imported")
        dup = sum(1 for r in results if r.status == "duplicate")
        skipped = sum(1 for r in results if r.status == "skipped")
        failed = [r for r in results if r.status == "failed"]
        if any(r.status == "cancelled" for r in results) or (self.import_op and self.import_op.cancelled):
            text = tr(IMPORT_CANCELLED, new=new + dup)
        else:
            text = tr(IMPORT_DONE, new=new, dup=dup, skipped=skipped, failed=len(failed))
        reasons = [r.text(language()) for r in failed if r.code]
        if reasons:
            text += "\n" + "\n".join(reasons[:5])
        self.status.setText(text)
        self.nav.data_changed.emit("evidence")

    def _import_failed(self, exc) -> None:
        self.ctx.errors(exc)

    def _import_finished(self) -> None:
        if self.import_op is not None and self.import_op.was_cancelled:  # stopped before the first file
            self.last_report = []
            self.status.setText(tr(IMPORT_CANCELLED, new=0))
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.refresh()

    def _camera(self) -> None:
        if self.ctx.capture is not None:
            self.ctx.capture.open_camera_window(self.window())

    # --- attach ---
    def attach(self) -> None:
        rows = self.selected_rows()
        if not rows:
            self.status.setText(tr(ATTACH_PICK))
            return
        dialog = AttachDialog(self.ctx, rows, self)
        dialog.attached.connect(lambda n: (self.status.setText(tr(ATTACH_DONE, count=n)),
                                           self.nav.data_changed.emit("evidence"), self.refresh()))
        dialog.open()
        self.attach_dialog = dialog

    # --- view ---
    def view_current(self) -> None:
        rows = self.selected_rows()
        if rows and self.ctx.session.vault is not None:
            self.viewer = EvidenceViewer(self.ctx, rows[0], self)
            self.viewer.annotated.connect(self._annotated)
            self.viewer.open()

    def _annotated(self, row) -> None:
        self.nav.data_changed.emit("evidence")
        self.refresh()
        i = next((n for n in range(self.model.total) if self.model.row(n).sha256 == row.sha256), None)
        if i is not None:
            while self.model.rowCount() <= i and self.model.canFetchMore():
                self.model.fetchMore()
            self.grid.selectionModel().setCurrentIndex(
                self.model.index(i), self.grid.selectionModel().SelectionFlag.ClearAndSelect)


class AttachDialog(QDialog):
    attached = Signal(int)

    def __init__(self, ctx, rows, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows = rows
        self.setObjectName("attachDialog")
        self.setWindowTitle(tr(ATTACH_TITLE))
        layout = QVBoxLayout(self)
        self.inspection = QComboBox()
        self.inspection.setObjectName("attachInspection")
        summary = services.home_summary(ctx.ws, ctx.today())
        for d in summary.drafts:
            self.inspection.addItem(tr(INSPECTION_ROW, name=d.enterprise_name, date=d.started_at[:10]), d.id)
        layout.addWidget(buddy(tr(ATTACH_INSPECTION), self.inspection))
        layout.addWidget(self.inspection)
        self.target = QListWidget()
        self.target.setObjectName("attachTarget")
        self.target.setWordWrap(True)
        layout.addWidget(buddy(tr(ATTACH_TARGET), self.target))
        layout.addWidget(self.target, 1)
        self.error = note("", "warning")
        self.error.setVisible(not summary.drafts)
        self.error.setText(tr(ATTACH_NONE) if not summary.drafts else "")
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok = QPushButton(tr(ATTACH_OK))
        self.ok.setObjectName("attachOk")
        self.ok.setDefault(True)
        self.ok.setEnabled(bool(summary.drafts))
        self.ok.clicked.connect(self.submit)
        cancel = QPushButton(tr(CANCEL))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        row.addWidget(self.ok)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.inspection.currentIndexChanged.connect(lambda _i: self._targets())
        self._targets()
        self.resize(560, 420)

    def _targets(self) -> None:
        self.target.clear()
        iid = self.inspection.currentData()
        if not iid:
            return
        item = QListWidgetItem(tr(ATTACH_ITSELF))
        item.setData(Qt.ItemDataRole.UserRole, "")
        self.target.addItem(item)
        for f in services.inspection_state(self.ctx.ws, iid).findings:
            item = QListWidgetItem(tr(ATTACH_FINDING, item=f.item_id, description=f.description))
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.target.addItem(item)
        self.target.setCurrentRow(self.target.count() - 1)

    def submit(self) -> None:
        iid = self.inspection.currentData()
        current = self.target.currentItem()
        if not iid or current is None:
            return
        finding = current.data(Qt.ItemDataRole.UserRole) or None
        ws, shas = self.ctx.ws, [r.sha256 for r in self.rows]

        def work(op):
            for sha in shas:
                services.attach(ws, sha, iid, finding)
            return len(shas)

        self.ok.setEnabled(False)
        self.ctx.ops.run(work, kind="write", on_done=self._done, on_error=self._failed, label="attach")

    def _done(self, n: int) -> None:
        self.attached.emit(n)
        self.accept()

    def _failed(self, exc) -> None:
        self.ok.setEnabled(True)
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)
        self.error.setText(self.ctx.errors.text_for(exc))
        self.error.show()


class EvidenceViewer(QDialog):
    """A photo, decrypted in a worker and fitted to the window, which can be annotated (arrow,
    box, text: ui/annotate.py) into a derived copy; or a video/recording, played by QMediaPlayer
    from the loopback server."""

    annotated = Signal(object)  # the new copy's services.EvidenceRow

    def __init__(self, ctx, row: services.EvidenceRow, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.server = None
        self.player = None
        self.image: QImage | None = None
        self.save_op = None
        self.setObjectName("evidenceViewer")
        self.setWindowTitle(tr(VIEWER_TITLE))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{kind_text(row.kind)} · {row.original_name}"))
        if row.kind == "photo":
            self._photo_ui(layout)
        else:
            self._video(layout)
        close = QPushButton(tr(CLOSE))
        close.setAutoDefault(False)
        close.clicked.connect(self.close_viewer)
        row_ = QHBoxLayout()
        row_.addStretch(1)
        row_.addWidget(close)
        layout.addLayout(row_)
        self.resize(960, 720)

    # --- photo and annotate mode ---
    def _photo_ui(self, layout) -> None:
        from .annotate import PhotoCanvas

        self.label = PhotoCanvas()
        self.label.placeholder = tr(LOADING)
        self.label.changed.connect(self._mode_changed)
        layout.addWidget(self.label, 1)
        tools = QHBoxLayout()
        self.tool_buttons = {}
        for tool, text, key in (("arrow", TOOL_ARROW, Qt.Key.Key_A), ("box", TOOL_BOX, Qt.Key.Key_B),
                                ("text", TOOL_TEXT, Qt.Key.Key_T)):
            b = QPushButton(tr(text))
            b.setObjectName(f"tool_{tool}")
            b.setCheckable(True)
            b.setAutoDefault(False)
            b.setEnabled(False)
            b.clicked.connect(lambda _c=False, t=tool: self.set_tool(t))
            tools.addWidget(b)
            self.tool_buttons[tool] = b
            QShortcut(QKeySequence(key), self, activated=lambda t=tool: self.set_tool(t))
        tools.addStretch(1)
        self.save_button = QPushButton(tr(ANNOTATE_SAVE))
        self.save_button.setObjectName("annotateSave")
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_annotation)
        self.cancel_button = QPushButton(tr(ANNOTATE_CANCEL))
        self.cancel_button.setObjectName("annotateCancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.label.clear)
        tools.addWidget(self.save_button)
        tools.addWidget(self.cancel_button)
        layout.addLayout(tools)
        self.annotate_status = note(tr(ANNOTATE_HINT))
        self.annotate_status.setObjectName("annotateStatus")
        layout.addWidget(self.annotate_status)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save_annotation)
        vault, sha = self.ctx.session.vault, self.row.sha256

        def work(op):
            from PySide6.QtCore import QBuffer, QByteArray, QIODevice
            from PySide6.QtGui import QImageReader

            with vault.open(sha) as r:
                data = r.read()
            buf = QBuffer()
            buf.setData(QByteArray(data))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            reader = QImageReader(buf)
            reader.setAutoTransform(True)  # upright, as store/derived draws: annotations are in these pixels
            return reader.read()

        self.ctx.ops.run(work, on_done=self._photo, label="photo")

    def _photo(self, image: QImage) -> None:
        self.image = image
        self.label.set_image(image)
        ok = not image.isNull()
        for b in self.tool_buttons.values():
            b.setEnabled(ok)

    def set_tool(self, tool: str) -> None:
        if self.row.kind != "photo" or self.image is None or self.image.isNull():
            return
        self.label.set_tool(tool)
        self.label.setFocus()

    def _mode_changed(self) -> None:
        c = self.label
        for tool, b in self.tool_buttons.items():
            b.setChecked(c.tool == tool)
        busy = self.save_op is not None and not self.save_op.done
        self.save_button.setEnabled(bool(c.shapes) and not busy)
        self.cancel_button.setEnabled(c.annotating)
        if c.annotating:
            self.annotate_status.setText(tr(ANNOTATE_MODE, tool=tr(TOOL_NAMES[c.tool]), count=len(c.shapes)))
        elif not busy:
            self.annotate_status.setText(tr(ANNOTATE_HINT))

    def save_annotation(self) -> None:
        """Ctrl+S: the shapes drawn, as an annotated copy (services.annotate_evidence, write pool)."""
        if self.row.kind != "photo" or (self.save_op is not None and not self.save_op.done):
            return
        self.label.commit_text()
        shapes = list(self.label.shapes)
        officer = self.ctx.session.officer
        if not shapes or officer is None:
            self.annotate_status.setText(tr(ANNOTATE_NOTHING))
            return
        ws, vault, sha = self.ctx.ws, self.ctx.session.vault, self.row.sha256
        self.annotate_status.setText(tr(ANNOTATE_SAVING))
        self.save_op = self.ctx.ops.run(lambda op: services.annotate_evidence(ws, officer, vault, sha, shapes),
                                        kind="write", on_done=self._saved, on_error=self._save_failed,
                                        label="annotate")
        self.save_button.setEnabled(False)

    def _saved(self, row) -> None:
        self.label.clear()
        self.annotate_status.setText(tr(ANNOTATE_SAVED, name=row.original_name))
        self.annotated.emit(row)

    def _save_failed(self, exc) -> None:
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)
        self.annotate_status.setText(self.ctx.errors.text_for(exc))
        self._mode_changed_later()

    def _mode_changed_later(self) -> None:
        self.save_button.setEnabled(bool(self.label.shapes))

    def reject(self) -> None:
        """Esc leaves annotate mode step by step (the text typed, the drag, the drawing) before it
        closes the viewer."""
        if self.row.kind == "photo" and self.label.cancel_step():
            return
        super().reject()

    def close_viewer(self) -> None:
        super().reject()

    def _video(self, layout) -> None:
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
            from PySide6.QtMultimediaWidgets import QVideoWidget
        except ImportError:
            layout.addWidget(note(tr(NO_MULTIMEDIA), "warning"))
            return
        from inspector_app.store.derived import _LoopbackServer

        self.server = _LoopbackServer(self.ctx.session.vault, self.row.sha256)
        self.video = QVideoWidget()
        self.video.setObjectName("videoWidget")
        layout.addWidget(self.video, 1)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        self.player.setSource(QUrl(self.server.url))
        play = QPushButton(tr(PLAY))
        play.setObjectName("playButton")
        play.setAutoDefault(False)
        play.clicked.connect(self.toggle)
        layout.addWidget(play)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.toggle)
        self.player.play()

    def toggle(self) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player is None:
            return
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def done(self, code: int) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())
        if self.server is not None:
            self.server.close()
            self.server = None
        super().done(code)
