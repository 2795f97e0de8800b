"""Editing a draft inspection by keyboard: an item the selection left out is added (Ctrl+Shift+A,
filter, Space, Enter); a finding of the current item is edited (Enter in 本项隐患, update_finding)
and removed (Delete, confirmed; its evidence stays in the vault); a signed inspection offers
neither. Each checked in the store and its audit log."""
from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from inspector_app.store import models
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, active_dialog, app_window, demo_dir, demo_template, demo_ws, focus, idle, jpeg, press, type_text,
    unlock_by_keyboard, wait_focus,
)

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def _audit_ops(ws) -> list[str]:
    with ws.store.read() as session:
        return [e.entry.get("detail", {}).get("op") for e in session.scalars(select(models.AuditEntry))]


def _start(qtbot, ctx, window) -> str:
    ws = ctx.ws
    code = services.enterprise_codes(ws, "")[0]
    iid = services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=[(c.id, c.version) for c in services.latest_catalogues(ws)])
    unlock_by_keyboard(qtbot, ctx, window)
    return iid


def test_add_a_left_out_item_by_keyboard(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    iid = _start(qtbot, ctx, window)
    addable = services.addable_items(ws, iid)
    assert addable, "the demo catalogues should have items the selection leaves out"
    wanted = addable[-1]
    before = len(services.inspection_state(ws, iid).items)
    window.open_inspection(iid)
    idle(qtbot, ctx)
    page = window.inspection
    wait_focus(qtbot, page.table)
    assert page.add_items_button.isVisible() and page.add_items_button.isEnabled()

    press(qtbot, Qt.Key.Key_A, CTRL_SHIFT)
    dialog = active_dialog("addItemsDialog")
    assert dialog is not None and dialog.list.count() == len(addable)
    wait_focus(qtbot, dialog.filter)
    type_text(qtbot, wanted.item_id)
    shown = [dialog.list.item(i) for i in range(dialog.list.count()) if not dialog.list.item(i).isHidden()]
    assert shown and all(wanted.item_id in (e.text() + e.toolTip()) for e in shown)
    press(qtbot, Qt.Key.Key_Down)
    assert focus() is dialog.list
    while dialog.list.currentItem().data(Qt.ItemDataRole.UserRole)[0] != wanted.item_id:
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Space)
    assert dialog.list.currentItem().checkState() == Qt.CheckState.Checked
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: len(page.state.items) == before + 1, timeout=10000)

    # the checklist shows it, selected, and the store has it, audited
    row = next(i for i, it in enumerate(page.state.items) if it.item_id == wanted.item_id)
    assert page.model.rowCount() == before + 1
    assert page.table.currentIndex().row() == row
    assert wanted.matter in page.model.data(page.model.index(row, 1))
    wait_focus(qtbot, page.table)
    with ws.store.read() as session:
        item = session.get(models.InspectionItem, (iid, wanted.item_id))
        assert item is not None and item.result == "not-checked" and item.catalogue_id == wanted.catalogue_id
    assert "add-items" in _audit_ops(ws)
    assert wanted.item_id not in {p.item_id for p in services.addable_items(ws, iid)}
    # the new item is walked like any other
    press(qtbot, Qt.Key.Key_1)
    idle(qtbot, ctx)
    with ws.store.read() as session:
        assert session.get(models.InspectionItem, (iid, wanted.item_id)).result == "compliant"


def test_edit_and_remove_a_finding_by_keyboard(qtbot, app_window, tmp_path):
    ctx, window = app_window
    ws = ctx.ws
    iid = _start(qtbot, ctx, window)
    state = services.inspection_state(ws, iid)
    item = state.items[0]
    photo = jpeg(tmp_path / "leak.jpg")
    sha = services.import_paths(ws, ctx.session.officer, [photo])[0].sha256
    keep_id = services.add_finding(ws, iid, item_id=item.item_id, description="安全警示标志缺失", grade="general")
    gone_id = services.add_finding(ws, iid, item_id=item.item_id, description="泄漏报警器失效", grade="general",
                                   evidence=[sha])
    window.open_inspection(iid)
    idle(qtbot, ctx)
    page = window.inspection
    wait_focus(qtbot, page.table)
    page.select_row(0)
    assert page.item_findings.count() == 2
    assert page.edit_button.isVisible() and page.remove_button.isVisible()

    # --- edit: Alt+N to 本项隐患, Enter opens the editor with the finding ---
    press(qtbot, Qt.Key.Key_N, ALT)
    assert focus() is page.item_findings
    assert page.current_finding().id == keep_id
    press(qtbot, Qt.Key.Key_Return)
    editor = page.editor
    assert editor is not None and editor.finding is not None and editor.finding.id == keep_id
    wait_focus(qtbot, editor.description)
    assert editor.description.toPlainText() == "安全警示标志缺失"
    assert editor.grade.currentData() == "general"
    editor.description.selectAll()
    type_text(qtbot, "储罐区安全警示标志缺失")
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is editor.location
    type_text(qtbot, "1号罐")
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is editor.grade
    press(qtbot, Qt.Key.Key_Down)
    assert editor.grade.currentData() == "major"
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.saved_id == keep_id, timeout=10000)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.editor is None)
    with ws.store.read() as session:
        f = session.get(models.Finding, keep_id)
        assert f.description == "储罐区安全警示标志缺失" and f.grade == "major" and f.location == "1号罐"
        count = session.scalars(select(models.Finding).where(models.Finding.inspection_id == iid)).all()
        assert len(count) == 2  # edited, not added
    assert "finding-edit" in _audit_ops(ws)
    assert services.drafts_of(ws, iid) == {}
    assert any("储罐区安全警示标志缺失" in page.item_findings.item(i).text() for i in range(page.item_findings.count()))

    # --- remove: Delete asks first; Esc keeps it, D removes it ---
    wait_focus(qtbot, page.item_findings)
    page.item_findings.setCurrentRow(next(i for i in range(page.item_findings.count())
                                          if page.item_findings.item(i).data(Qt.ItemDataRole.UserRole) == gone_id))
    press(qtbot, Qt.Key.Key_Delete)
    box = page.remove_confirm
    assert box is not None and box.isVisible()
    qtbot.waitUntil(lambda: box.isActiveWindow(), timeout=5000)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    idle(qtbot, ctx)
    with ws.store.read() as session:
        assert session.get(models.Finding, gone_id) is not None
    wait_focus(qtbot, page.item_findings)
    press(qtbot, Qt.Key.Key_Delete)
    box = page.remove_confirm
    qtbot.waitUntil(lambda: box.isActiveWindow(), timeout=5000)
    press(qtbot, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.item_findings.count() == 1, timeout=10000)
    with ws.store.read() as session:
        assert session.get(models.Finding, gone_id) is None
        assert session.get(models.Finding, keep_id) is not None
        assert not session.scalars(select(models.EvidenceLink).where(models.EvidenceLink.finding_id == gone_id)).all()
        assert session.get(models.Evidence, sha) is not None
    assert "finding-remove" in _audit_ops(ws)
    assert ws.vault(ctx.session.officer).verify(sha) > 0  # the evidence stays in the vault


def test_a_signed_inspection_offers_neither(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    iid = _start(qtbot, ctx, window)
    state = services.inspection_state(ws, iid)
    services.add_finding(ws, iid, item_id=state.items[0].item_id, description="消防通道堵塞", grade="general")
    for it in state.items[1:]:
        services.set_result(ws, iid, it.item_id, "compliant")
    services.sign(ws, iid, lambda cert: PASSPHRASE)
    window.open_inspection(iid)
    idle(qtbot, ctx)
    page = window.inspection
    page.select_row(0)
    assert page.state.status == "signed" and page.item_findings.count() == 1
    for b in (page.edit_button, page.remove_button, page.add_items_button):
        assert not b.isVisible()
    page.item_findings.setFocus()
    page.edit_finding()
    page.remove_finding()
    page.add_items()
    assert page.editor is None and page.remove_confirm is None and active_dialog("addItemsDialog") is None
