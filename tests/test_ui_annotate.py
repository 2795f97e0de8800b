"""Annotating a photo in the evidence viewer: keyboard for the tools, mouse drags for the shapes,
Ctrl+S for an annotated copy beside the untouched original."""
from __future__ import annotations

import hashlib
import io

from PySide6.QtCore import QPoint, Qt

from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    app_window, demo_dir, demo_template, demo_ws, idle, press, unlock_by_keyboard,
)


def rotated_jpeg(path, size=(640, 480)):
    """A photo as a camera held upright writes it: landscape pixels, EXIF orientation 6."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (40, 120, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(255, 255, 255), width=3)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=exif)
    path.write_bytes(buf.getvalue())
    return path


def drag(qtbot, widget, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, 5):
        qtbot.mouseMove(widget, a + (b - a) * (i / 4))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b)


def test_draw_a_box_and_an_arrow_and_save_a_copy(qtbot, app_window, tmp_path):
    from PIL import Image, ImageChops, ImageOps
    from sqlalchemy import select

    from inspector_app.store import derived, models

    ctx, window = app_window
    photo = rotated_jpeg(tmp_path / "IMG_0001.JPG")
    unlock_by_keyboard(qtbot, ctx, window)
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    page = window.evidence
    page.start_import([photo])
    qtbot.waitUntil(lambda: page.import_op.done, timeout=30000)
    idle(qtbot, ctx)
    original = services.evidence_rows(ctx.ws)[0].sha256
    page.grid.setFocus()
    page.grid.setCurrentIndex(page.model.index(0))
    press(qtbot, Qt.Key.Key_Return, widget=page.grid)  # view
    viewer = page.viewer
    qtbot.waitUntil(lambda: viewer.image is not None, timeout=10000)
    qtbot.waitExposed(viewer)
    canvas = viewer.label
    assert (viewer.image.width(), viewer.image.height()) == (480, 640)  # shown upright

    # B: a box, dragged; the widget's points land on the picture's pixels at the displayed scale
    qtbot.keyClick(viewer, Qt.Key.Key_B)
    assert canvas.tool == "box" and viewer.tool_buttons["box"].isChecked()
    r, s = canvas.image_rect(), canvas.scale()
    a = QPoint(int(r.x() + 100 * s), int(r.y() + 150 * s))
    b = QPoint(int(r.x() + 300 * s), int(r.y() + 400 * s))
    drag(qtbot, canvas, a, b)
    (box,) = canvas.shapes
    x0, y0, x1, y1 = box["rect"]
    assert abs(x0 - 100) < 2 / s + 1 and abs(y0 - 150) < 2 / s + 1
    assert abs(x1 - 300) < 2 / s + 1 and abs(y1 - 400) < 2 / s + 1
    # A: an arrow
    qtbot.keyClick(viewer, Qt.Key.Key_A)
    drag(qtbot, canvas, QPoint(int(r.x() + 50 * s), int(r.y() + 550 * s)), QPoint(int(r.x() + 200 * s), int(r.y() + 450 * s)))
    assert [sh["type"] for sh in canvas.shapes] == ["box", "arrow"]
    # T then Esc: the text tool, and Esc drops the text being typed without closing the viewer
    qtbot.keyClick(viewer, Qt.Key.Key_T)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(r.x() + 20 * s), int(r.y() + 20 * s)))
    assert canvas.text_edit is not None
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert canvas.text_edit is None and viewer.isVisible() and len(canvas.shapes) == 2
    viewer.grab().save(str(tmp_path / "annotate.png"))

    qtbot.keyClick(viewer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: viewer.save_op is not None and viewer.save_op.done, timeout=30000)
    idle(qtbot, ctx)
    assert canvas.shapes == [] and canvas.tool is None

    vault = ctx.session.vault
    with ctx.ws.store.read() as session:
        row = session.scalar(select(models.Evidence).where(models.Evidence.derived_kind == "annotated"))
        copy, derived_from, by = row.sha256, row.derived_from, row.captured_by
        audit = [a.entry for a in session.scalars(select(models.AuditEntry)) if f"evidence:{copy}" in a.entry.values()]
    assert derived_from == original and by == ctx.session.cert
    meta = derived.get_derived(vault, copy)
    assert meta is not None and meta.derived_from == original and meta.kind == "annotated"
    assert vault.get_meta(original) in (None, {}) or derived.get_derived(vault, original) is None
    with vault.open(original) as f:
        assert hashlib.sha256(f.read()).hexdigest() == original  # the original is untouched
    with vault.open(original) as f:
        upright = ImageOps.exif_transpose(Image.open(io.BytesIO(f.read()))).convert("RGB")
    with vault.open(copy) as f:
        drawn = Image.open(io.BytesIO(f.read())).convert("RGB")
    assert drawn.size == upright.size == (480, 640)
    diff = ImageChops.difference(drawn, upright).convert("L")
    edge = diff.crop((int(x0) - 2, int(y0) + 20, int(x0) + 3, int(y1) - 20))  # the box's left side
    inside = diff.crop((int(x0) + 30, int(y0) + 30, int(x1) - 30, int(y1) - 30))
    assert max(edge.tobytes()) > 100 and sum(edge.tobytes()) / len(edge.tobytes()) > 60
    assert sum(inside.tobytes()) / len(inside.tobytes()) < 10  # only JPEG noise away from the shapes
    assert len(audit) == 1 and audit[0]["action"] == "edit"
    assert {"op": "annotate", "original": original}.items() <= audit[0]["detail"].items()

    # the grid shows the copy, marked, right after its original
    rows = [page.model.row(i) for i in range(page.model.total)]
    assert [(x.sha256, x.derived_from) for x in rows] == [(original, None), (copy, original)]
    assert "标注副本" in page.model.data(page.model.index(1))
    # its thumbnail is its own, not the original's
    thumbs = ctx.extra["thumbnails"]
    qtbot.waitUntil(lambda: thumbs.get(copy) is not None and thumbs.get(original) is not None, timeout=30000)
    idle(qtbot, ctx)
    assert services.thumbnail_jpeg(ctx.ws, vault, copy) != services.thumbnail_jpeg(ctx.ws, vault, original)
    viewer.close_viewer()
