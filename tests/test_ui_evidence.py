"""Evidence: import a body cam's folder with progress (and cancel), the lazy thumbnail grid,
attaching to a finding, and the photo viewer."""
from __future__ import annotations


from PySide6.QtCore import Qt

from inspector_app.ui import services
from inspector_app.ui.evidence import EvidenceViewer
from ui_fixtures import (  # noqa: F401 - fixtures
    active_dialog, app_window, demo_dir, demo_template, demo_ws, focus, idle, jpeg, press, unlock_by_keyboard,
    wait_focus,
)


def test_import_a_folder_thumbnails_and_attach(qtbot, app_window, tmp_path):
    ctx, window = app_window
    cam = tmp_path / "DCIM" / "100MEDIA"
    cam.mkdir(parents=True)
    for i in range(6):
        jpeg(cam / f"IMG_{i:04d}.JPG", (40 * i, 100, 200 - 30 * i))
    (cam / "readme.txt").write_text("not media")
    unlock_by_keyboard(qtbot, ctx, window)
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    page = window.evidence
    progress = []
    page.start_import([tmp_path / "DCIM"])
    page.import_op.progressed.connect(progress.append)
    qtbot.waitUntil(lambda: page.import_op.done, timeout=30000)
    idle(qtbot, ctx)
    assert "新增 6 件" in page.status.text() and "跳过 1 个" in page.status.text()
    assert page.model.total == 6
    # thumbnails arrive off the GUI thread, for the cells shown
    thumbs = ctx.extra["thumbnails"]
    qtbot.waitUntil(lambda: all(thumbs.get(page.model.row(i).sha256) is not None
                                for i in range(page.model.rowCount())), timeout=60000)
    assert thumbs._drainer.batches >= 1
    # a second time: each made once, found again in the store
    from sqlalchemy import func, select
    from inspector_app.store import models

    with ctx.ws.store.read() as session:
        n_thumbs = session.scalar(select(func.count()).select_from(models.Evidence)
                                  .where(models.Evidence.derived_kind == "thumbnail"))
    assert n_thumbs == 6
    # attach two to a finding of an open inspection (Ctrl+T)
    code = services.enterprise_codes(ctx.ws, "")[1]
    keys = [(c.id, c.version) for c in services.latest_catalogues(ctx.ws)]
    iid = services.create_inspection(ctx.ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=keys)
    item = services.inspection_state(ctx.ws, iid).items[0].item_id
    fid = services.add_finding(ctx.ws, iid, item_id=item, description="照片待附", grade="general")
    page.refresh()
    wait_focus(qtbot, page.grid) if focus() is not page.grid else None
    page.grid.setFocus()
    page.grid.selectionModel().clearSelection()
    for i in (0, 1):
        page.grid.selectionModel().select(page.model.index(i), page.grid.selectionModel().SelectionFlag.Select)
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier, widget=page.grid)
    dialog = page.attach_dialog
    assert dialog.isVisible() and dialog.inspection.currentData() == iid
    assert dialog.target.currentItem().data(Qt.ItemDataRole.UserRole) == fid
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    idle(qtbot, ctx)
    state = services.inspection_state(ctx.ws, iid)
    assert len(state.findings[0].evidence) == 2
    # the viewer decrypts the photo in a worker
    viewer = EvidenceViewer(ctx, page.model.row(0), window)
    viewer.open()
    qtbot.waitUntil(lambda: viewer.image is not None, timeout=10000)
    assert viewer.image.width() == 640 and viewer.label.pixmap() is not None
    viewer.reject()


def test_an_import_can_be_cancelled(qtbot, app_window, tmp_path):
    ctx, window = app_window
    folder = tmp_path / "cam"
    folder.mkdir()
    for i in range(40):
        jpeg(folder / f"P{i:03d}.jpg", (i * 5 % 255, 80, 120), size=(1600, 1200))
    unlock_by_keyboard(qtbot, ctx, window)
    window.show_page("evidence")
    page = window.evidence
    page.start_import([folder])
    assert page.progress.isVisible()
    from PySide6.QtWidgets import QPushButton

    page.progress.findChild(QPushButton).click()  # its Cancel button, while the worker is at work
    qtbot.waitUntil(lambda: page.import_op.done, timeout=30000)
    idle(qtbot, ctx)
    imported = len(services.evidence_rows(ctx.ws))
    assert imported < 40
    assert "导入已取消" in page.status.text()
