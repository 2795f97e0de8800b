"""A whole visit driven by the keyboard: unlock, choose the enterprise and the second officer, walk
the checklist with 1/2/3, record a finding with a photo (dropped on the editor, and one chosen from
the vault with Ctrl+E), sign as both officers (one typo on the way), render and print the
documents; then check the store, the vault and the files."""
from __future__ import annotations

import shutil
import subprocess

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from inspector_app.store import models
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, active_dialog, app_window, demo_dir, demo_template, demo_ws, focus, idle, jpeg, press, type_text,
    unlock_by_keyboard, wait_focus,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _drop_files(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.rect().center())
    enter = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(enter)


def test_a_whole_visit_by_keyboard(qtbot, app_window, tmp_path):
    ctx, window = app_window
    ws = ctx.ws
    # a body-cam photo already in the vault (unassigned), to be chosen from the vault later
    vault_photo = jpeg(tmp_path / "bodycam.jpg", (30, 90, 200))

    # --- unlock ---
    unlock_by_keyboard(qtbot, ctx, window)
    assert ctx.session.cert == "DEMO-0001"
    services.import_paths(ws, ctx.session.officer, [vault_photo])

    # --- new inspection: enterprise, second officer, items ---
    press(qtbot, Qt.Key.Key_N, CTRL)
    dialog = active_dialog("newInspectionDialog")
    assert dialog is not None
    wait_focus(qtbot, dialog.search.box)
    type_text(qtbot, "润达")
    qtbot.waitUntil(lambda: dialog.search.model.total >= 1 and "润达" in dialog.search.model.query)
    press(qtbot, Qt.Key.Key_Down)
    assert focus() is dialog.search.view
    qtbot.waitUntil(lambda: dialog.code is not None)
    enterprise_code = dialog.code
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is dialog.officers
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Space)
    assert dialog.officers.item(1).checkState() == Qt.CheckState.Checked
    assert dialog.items.count() > 0
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    idle(qtbot, ctx)
    page = window.inspection
    assert window.pages.currentWidget() is page
    state = page.state
    assert state.enterprise_code == enterprise_code and [o.cert for o in state.inspectors] == ["DEMO-0001", "DEMO-0002"]
    wait_focus(qtbot, page.table)
    # the legal bases are shown beside the item
    first = state.items[0]
    if first.check_basis:
        assert first.check_basis[0] in page.detail.toPlainText()

    # --- walk the checklist: 2 on the first item, 1 on the rest ---
    violation_item = state.items[0]
    press(qtbot, Qt.Key.Key_2)
    editor = page.editor
    assert editor is not None
    wait_focus(qtbot, editor.description)
    type_text(qtbot, "储罐区未设置可燃气体检测报警装置")
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is editor.location
    type_text(qtbot, "甲醇罐区东侧")
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is editor.grade
    expected_grade = "major" if violation_item.major_hazard else "general"
    assert editor.grade.currentData() == expected_grade  # domain propose_grade
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is editor.deadline
    type_text(qtbot, "2000-01-01")
    assert editor.reminder.objectName() == "warning"  # before the inspection: refused as typed
    editor.deadline.clear()
    deadline = services._day(state.started_at).replace(year=services._day(state.started_at).year + 1).isoformat()
    type_text(qtbot, deadline)
    assert editor.reminder.objectName() == "ok" and deadline in editor.reminder.text()
    # a photo dropped on the editor goes into the vault …
    dropped = jpeg(tmp_path / "scene.jpg")
    _drop_files(editor.evidence_list, [dropped])
    qtbot.waitUntil(lambda: len(editor.evidence) == 1, timeout=20000)
    # … and one is chosen from the vault with Ctrl+E, Space, Enter
    assert focus() is editor.deadline
    press(qtbot, Qt.Key.Key_E, CTRL)
    picker = editor.picker
    assert picker.isVisible()
    wait_focus(qtbot, picker.list)
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(editor.evidence) == 2)
    wait_focus(qtbot, editor.deadline)  # the keyboard is back where it was in the editor
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: editor.saved_id is not None, timeout=10000)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: focus() is page.table)
    assert page.table.currentIndex().row() == 1

    for _ in range(len(state.items) - 1):
        press(qtbot, Qt.Key.Key_1)
    idle(qtbot, ctx)
    page.reload()
    assert page.state.blockers == []
    assert [i.result for i in page.state.items] == ["violation"] + ["compliant"] * (len(state.items) - 1)

    # --- sign: both officers in turn; a typo asks that officer again ---
    press(qtbot, Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.ShiftModifier)
    for cert, attempts in (("DEMO-0001", [PASSPHRASE]), ("DEMO-0002", ["typo", PASSPHRASE])):
        for attempt in attempts:
            qtbot.waitUntil(lambda: (d := active_dialog("passphraseDialog")) is not None and d.cert == cert
                            and focus() is d.passphrase and d.passphrase.text() == "", timeout=20000)
            prompt = active_dialog("passphraseDialog")
            if attempt == PASSPHRASE and cert == "DEMO-0002":
                assert prompt.error.isVisible() and prompt.error.text()  # the key slot's message
            type_text(qtbot, attempt)
            press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.state.status == "signed", timeout=30000)

    # --- documents: rendered off the GUI thread, previewed, printed ---
    docs = page.documents_dialog
    assert docs is not None
    qtbot.waitUntil(lambda: len(docs.results) > 0, timeout=60000)
    kinds = [r.kind for r in docs.results]
    assert kinds[0] == "check-record" and "rectify-order" in kinds
    for r in docs.results:
        assert r.path.is_file() and r.path.stat().st_size > 0 and r.pages >= 1 and r.number
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(docs.results[0].path), "-"], capture_output=True, text=True).stdout
        assert state.enterprise_name.replace("（演示）", "")[:6] in text.replace("\n", "")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    docs.print_documents(current_only=False, printer=printer)
    qtbot.waitUntil(lambda: docs.print_op is not None and docs.print_op.done, timeout=60000)
    assert docs.print_op.error is None and docs.print_op.result == sum(r.pages for r in docs.results)
    assert printed.is_file() and printed.stat().st_size > 0
    docs.reject()
    idle(qtbot, ctx)

    # --- the store and the vault ---
    with ws.store.read() as session:
        inspection = session.get(models.Inspection, state.id)
        assert inspection.status == "signed" and inspection.record_hash
        record = session.get(models.Record, inspection.record_hash)
        assert {s["cert"] for s in record.signatures} == {"DEMO-0001", "DEMO-0002"}
        finding = session.scalars(select(models.Finding).where(models.Finding.inspection_id == state.id)).one()
        assert finding.item_id == violation_item.item_id and finding.grade == expected_grade
        assert finding.location == "甲醇罐区东侧" and finding.deadline == deadline
        links = session.scalars(select(models.EvidenceLink).where(models.EvidenceLink.finding_id == finding.id)).all()
        assert len(links) == 2
        actions = [e.entry["action"] for e in session.scalars(select(models.AuditEntry))]
        assert "sign" in actions and "print" in actions and "import" in actions
        numbers = session.scalars(select(models.IssuedNumber).where(
            models.IssuedNumber.record_hash == inspection.record_hash)).all()
        assert {n.kind for n in numbers} >= {"check-record", "rectify-order"}
        assert services.drafts_of(ws, state.id) == {}
    vault = ws.vault(ctx.session.officer)
    for link in links:
        assert vault.verify(link.sha256) > 0
    import hashlib

    assert hashlib.sha256(dropped.read_bytes()).hexdigest() in {l.sha256 for l in links}
