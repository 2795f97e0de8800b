"""The documents of a signed inspection: render them (documents.render, off the GUI thread), show
them (QPdfView from QtPdf), print them (QPrinter, pages rasterised and painted off the GUI thread).

QtPdf ships in the pyside6-pdf wheel since Qt 6.12 (it was in pyside6-addons before). Without it
the preview lists the files and offers to open them with the system's PDF viewer, and printing
rasterises the pages with poppler's pdftoppm when it is installed.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QSplitter, QVBoxLayout,
)

from inspector_app.domain.messages import InspectorError, define as define_message

from . import services
from .i18n import define, language, tr
from .widgets import note, title

try:  # pyside6-pdf
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView
    HAVE_QTPDF = True
except ImportError:  # pragma: no cover - depends on the installed wheels
    QPdfDocument = QPdfView = None
    HAVE_QTPDF = False

TITLE = define("ui.docs.title", "文书预览与打印", "Documents: preview and print")
RENDERING = define("ui.docs.rendering", "正在生成文书（{done}/{total}）…", "Rendering the documents ({done}/{total})…")
READY = define("ui.docs.ready", "已生成 {count} 份文书，保存在 {folder}", "{count} documents rendered, saved in {folder}")
DOC_ROW = define("ui.docs.row", "{title}\n{number} · 共 {pages} 页", "{title}\n{number} · pages: {pages}")
NO_NUMBER = define("ui.docs.no_number", "无编号", "no number")
PRINT = define("ui.docs.print", "打印本份(&P)", "&Print this one")
PRINT_ALL = define("ui.docs.print_all", "全部打印(&A)", "Print &all")
OPEN_FOLDER = define("ui.docs.open_folder", "打开所在文件夹(&O)", "&Open the folder")
OPEN_FILE = define("ui.docs.open_file", "用系统程序打开(&E)", "Open &externally")
CLOSE = define("ui.docs.close", "关闭", "Close")
PRINTING = define("ui.docs.printing", "正在打印第 {page} 页…", "Printing page {page}…")
PRINTED = define("ui.docs.printed", "已送往打印机：{pages} 页。签名处请手写签名。", "Sent to the printer: {pages} pages. Sign by hand where marked.")
NO_PREVIEW = define(
    "ui.docs.no_preview",
    "本机缺少 Qt PDF 组件（pyside6-pdf），无法在程序内预览；可用系统程序打开文书。",
    "The Qt PDF component (pyside6-pdf) is missing, so there is no preview here; open the documents with the "
    "system's viewer.",
)
WARNINGS = define("ui.docs.warnings", "请注意：\n{text}", "Please note:\n{text}")
SETTINGS_HINT = define(
    "ui.docs.settings_hint",
    "文书需要县区设置：请在“设置”（Ctrl+5）中填写后再试。",
    "Documents need the county settings: fill them in under Settings (Ctrl+5) and try again.",
)

PRINT_FAILED = define_message(
    "ui.print.failed",
    "无法打印 {file}：{reason}",
    "Cannot print {file}: {reason}",
)


# ------------------------------------------------------------------------------- printing


def _pages_qtpdf(path: Path, dpi: int):
    doc = QPdfDocument()
    status = doc.load(str(path))
    if status != QPdfDocument.Error.None_:
        raise InspectorError(PRINT_FAILED, file=str(path), reason=str(status))
    try:
        for page in range(doc.pageCount()):
            size = doc.pagePointSize(page)
            px = QSize(max(1, round(size.width() / 72 * dpi)), max(1, round(size.height() / 72 * dpi)))
            yield doc.render(page, px)
    finally:
        doc.close()


def _pages_pdftoppm(path: Path, dpi: int):
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise InspectorError(PRINT_FAILED, file=str(path), reason="pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([exe, "-r", str(dpi), "-png", str(path), str(Path(tmp) / "p")], check=True,
                       capture_output=True, timeout=300)
        for png in sorted(Path(tmp).glob("p-*.png")):
            yield QImage(str(png))


def print_pdfs(paths: list[Path], printer, op=None, dpi: int | None = None) -> int:
    """Paint every page of the PDFs onto the printer; returns the number of pages. Runs in a worker
    (QPainter on a QPrinter is allowed off the GUI thread)."""
    dpi = dpi or min(300, max(72, printer.resolution()))
    painter = QPainter()
    if not painter.begin(printer):
        raise InspectorError(PRINT_FAILED, file=", ".join(p.name for p in paths), reason="printer")
    pages = 0
    try:
        for path in paths:
            source = _pages_qtpdf(path, dpi) if HAVE_QTPDF else _pages_pdftoppm(path, dpi)
            for image in source:
                if op is not None:
                    op.check()
                    op.report(pages + 1)
                if pages:
                    printer.newPage()
                target = painter.viewport()
                scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.setViewport(target.x(), target.y(), scaled.width(), scaled.height())
                painter.setWindow(image.rect())
                painter.drawImage(0, 0, image)
                painter.setViewport(target)
                painter.setWindow(target)
                pages += 1
    finally:
        painter.end()
    return pages


# ------------------------------------------------------------------------------- the dialog


class DocumentsDialog(QDialog):
    def __init__(self, ctx, inspection_id: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.inspection_id = inspection_id
        self.results = []
        self.op = None
        self.print_op = None
        self.setObjectName("documentsDialog")
        self.setWindowTitle(tr(TITLE))
        layout = QVBoxLayout(self)
        layout.addWidget(title(tr(TITLE)))
        self.status = note(tr(RENDERING, done=0, total="…"))
        self.status.setObjectName("documentsStatus")
        layout.addWidget(self.status)
        self.warnings = note("", "warning")
        self.warnings.hide()
        layout.addWidget(self.warnings)
        split = QSplitter()
        self.list = QListWidget()
        self.list.setObjectName("documentsList")
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._show)
        split.addWidget(self.list)
        if HAVE_QTPDF:
            self.pdf = QPdfDocument(self)
            self.view = QPdfView(self)
            self.view.setObjectName("pdfView")
            self.view.setDocument(self.pdf)
            self.view.setPageMode(QPdfView.PageMode.MultiPage)
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            split.addWidget(self.view)
        else:
            self.pdf = self.view = None
            split.addWidget(note(tr(NO_PREVIEW)))
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.print_one = self._button(tr(PRINT), "printOne", lambda: self.print_documents(current_only=True))
        self.print_all = self._button(tr(PRINT_ALL), "printAll", lambda: self.print_documents(current_only=False))
        self.open_file = self._button(tr(OPEN_FILE), "openFile", self._open_external)
        self.open_folder = self._button(tr(OPEN_FOLDER), "openFolder", self._open_folder)
        for b in (self.print_one, self.print_all, self.open_file, self.open_folder):
            row.addWidget(b)
            b.setEnabled(False)
        row.addStretch(1)
        row.addWidget(self._button(tr(CLOSE), "closeDocuments", self.reject))
        layout.addLayout(row)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=lambda: self.print_documents(current_only=True))
        self.resize(1100, 800)

    def _button(self, text: str, name: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        return b

    # --- rendering ---
    def start(self, out_dir: Path | None = None) -> None:
        ws, iid, vault = self.ctx.ws, self.inspection_id, self.ctx.session.vault
        out = Path(out_dir) if out_dir else services.documents_dir(ws)
        self.out_dir = out
        self.op = self.ctx.ops.run(lambda op: services.render_documents(ws, iid, out, vault=vault, op=op),
                                   on_done=self._rendered, on_error=self._failed,
                                   on_progress=lambda p: self.status.setText(tr(RENDERING, done=p[0] + 1, total=p[1])),
                                   label="render")

    def _rendered(self, results) -> None:
        from inspector_app.documents import load_template

        self.results = results
        self.list.clear()
        for r in results:
            item = QListWidgetItem(tr(DOC_ROW, title=load_template(r.kind).title, number=r.number or tr(NO_NUMBER),
                                      pages=r.pages))
            item.setData(Qt.ItemDataRole.UserRole, str(r.path))
            self.list.addItem(item)
        self.status.setText(tr(READY, count=len(results), folder=str(self.out_dir)))
        texts = [w.text(language()) for r in results for w in r.warnings]
        if texts:
            self.warnings.setText(tr(WARNINGS, text="\n".join(dict.fromkeys(texts))))
            self.warnings.show()
        for b in (self.print_one, self.print_all, self.open_file, self.open_folder):
            b.setEnabled(bool(results))
        if results:
            self.list.setCurrentRow(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, exc) -> None:
        text = self.ctx.errors.text_for(exc)
        if isinstance(exc, InspectorError) and exc.code == "documents.missing_setting":
            text += "\n" + tr(SETTINGS_HINT)
        if not isinstance(exc, InspectorError):
            self.ctx.errors(exc)
        self.status.setObjectName("warning")
        self.status.setText(text)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _show(self, row: int) -> None:
        if self.pdf is None or not (0 <= row < len(self.results)):
            return
        self.pdf.load(str(self.results[row].path))

    def current_path(self) -> Path | None:
        row = self.list.currentRow()
        return self.results[row].path if 0 <= row < len(self.results) else None

    # --- printing ---
    def print_documents(self, *, current_only: bool, printer=None) -> None:
        """Ask for a printer (unless one is given) and print off the GUI thread."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        paths = [self.current_path()] if current_only else [r.path for r in self.results]
        paths = [p for p in paths if p]
        if not paths or (self.print_op is not None and not self.print_op.done):
            return
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            dialog = QPrintDialog(printer, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
        self._printer = printer  # kept alive while the worker paints on it
        ws = self.ctx.ws

        def work(op):
            pages = print_pdfs(paths, printer, op)
            with ws.store.write() as session:
                ws.audit(session, "print", f"inspection:{self.inspection_id}",
                         {"op": "print", "files": [p.name for p in paths], "pages": pages})
            return pages

        self.print_op = self.ctx.ops.run(work, on_done=lambda n: self.status.setText(tr(PRINTED, pages=n)),
                                         on_progress=lambda n: self.status.setText(tr(PRINTING, page=n)),
                                         label="print")

    def _open_external(self) -> None:
        path = self.current_path()
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.out_dir)))

    def done(self, code: int) -> None:
        if self.pdf is not None:
            self.pdf.close()
        super().done(code)
