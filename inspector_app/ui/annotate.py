"""Annotating a photo in the evidence viewer: arrows, boxes and text drawn on a derived copy.

`PhotoCanvas` shows the (EXIF-upright) photo fitted to the widget and, in annotate mode, lets the
officer drag an arrow or a box, or click and type a text. Shapes are kept in pixels of the upright
picture (the widget position minus the image's offset, divided by the displayed scale), in the dict
form of store/derived.parse_shape, and drawn back over the preview at the displayed scale. Saving
(services.annotate_evidence, in the write pool) is the viewer's job; the original never changes.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLineEdit, QSizePolicy, QWidget

from .i18n import define, tr

TOOLS = ("arrow", "box", "text")
COLOR = "#e00000"

TEXT_PLACEHOLDER = define("ui.annot.text_placeholder", "输入文字，回车确定", "Type, then Enter")


class PhotoCanvas(QWidget):
    """The photo, fitted; with a tool chosen, a drawing surface mapping to image pixels."""

    changed = Signal()  # shapes or tool changed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("photo")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.image: QImage | None = None
        self._scaled: QPixmap | None = None
        self.placeholder = ""
        self.tool: str | None = None
        self.shapes: list[dict] = []
        self._drag: tuple[QPointF, QPointF] | None = None  # image coordinates
        self.text_edit: QLineEdit | None = None
        self._text_at: tuple[float, float] | None = None

    # --- image and geometry ---
    def set_image(self, image: QImage) -> None:
        self.image = image
        self._scaled = None
        self.update()

    def pixmap(self) -> QPixmap | None:
        """The photo as displayed (fitted to the widget), like QLabel.pixmap()."""
        if self.image is None or self.image.isNull():
            return None
        if self._scaled is None or self._scaled.size() != self.image_rect().size().toSize():
            size = self.image_rect().size().toSize()
            self._scaled = QPixmap.fromImage(self.image).scaled(
                size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        return self._scaled

    def scale(self) -> float:
        if self.image is None or self.image.isNull():
            return 1.0
        return max(1e-6, min(self.width() / self.image.width(), self.height() / self.image.height()))

    def image_rect(self) -> QRectF:
        """Where the photo is drawn, in widget coordinates (centred, aspect ratio kept)."""
        if self.image is None or self.image.isNull():
            return QRectF()
        s = self.scale()
        w, h = self.image.width() * s, self.image.height() * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_image(self, pos) -> tuple[float, float]:
        """A widget position in pixels of the upright picture, clamped to the picture."""
        r, s = self.image_rect(), self.scale()
        x = (pos.x() - r.x()) / s
        y = (pos.y() - r.y()) / s
        return (min(max(x, 0.0), float(self.image.width())), min(max(y, 0.0), float(self.image.height())))

    def to_widget(self, x: float, y: float) -> QPointF:
        r, s = self.image_rect(), self.scale()
        return QPointF(r.x() + x * s, r.y() + y * s)

    # --- mode ---
    @property
    def annotating(self) -> bool:
        return self.tool is not None or bool(self.shapes) or self.text_edit is not None

    def set_tool(self, tool: str | None) -> None:
        self.commit_text()
        self.tool = tool
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)
        self.changed.emit()
        self.update()

    def cancel_step(self) -> bool:
        """Esc: drop the text being typed or the drag under way; else leave annotate mode,
        discarding what was drawn. False when there was nothing to cancel."""
        if self.text_edit is not None:
            self._close_text()
            self.setFocus()
            return True
        if self._drag is not None:
            self._drag = None
            self.update()
            return True
        if self.tool is not None or self.shapes:
            self.shapes = []
            self.set_tool(None)
            return True
        return False

    def clear(self) -> None:
        self._close_text()
        self._drag = None
        self.shapes = []
        self.set_tool(None)

    # --- mouse ---
    def mousePressEvent(self, event) -> None:
        if self.tool is None or self.image is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        p = QPointF(*self.to_image(event.position()))
        if self.tool == "text":
            self._open_text(p)
        else:
            self._drag = (p, p)
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            return super().mouseMoveEvent(event)
        self._drag = (self._drag[0], QPointF(*self.to_image(event.position())))
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is None:
            return super().mouseReleaseEvent(event)
        start, _ = self._drag
        end = QPointF(*self.to_image(event.position()))
        self._drag = None
        if math.hypot(end.x() - start.x(), end.y() - start.y()) * self.scale() >= 4:  # not a stray click
            a, b = [round(start.x(), 1), round(start.y(), 1)], [round(end.x(), 1), round(end.y(), 1)]
            if self.tool == "box":
                self.shapes.append({"type": "box", "rect": a + b, "color": COLOR})
            else:
                self.shapes.append({"type": "arrow", "start": a, "end": b, "color": COLOR})
            self.changed.emit()
        self.update()

    # --- text ---
    def _open_text(self, p: QPointF) -> None:
        self.commit_text()
        self._text_at = (round(p.x(), 1), round(p.y(), 1))
        edit = QLineEdit(self)
        edit.setObjectName("annotateText")
        edit.setPlaceholderText(tr(TEXT_PLACEHOLDER))
        edit.setMinimumWidth(220)
        edit.adjustSize()
        w = self.to_widget(*self._text_at)
        edit.move(int(min(w.x(), max(0, self.width() - edit.width()))),
                  int(min(w.y(), max(0, self.height() - edit.height()))))
        edit.returnPressed.connect(self._text_entered)
        edit.show()
        edit.setFocus()
        self.text_edit = edit

    def _text_entered(self) -> None:
        self.commit_text()
        self.setFocus()

    def commit_text(self) -> None:
        """The text typed so far becomes a shape (an empty one is dropped)."""
        if self.text_edit is None:
            return
        text = self.text_edit.text().strip()
        at = self._text_at
        self._close_text()
        if text and at is not None:
            self.shapes.append({"type": "text", "at": list(at), "text": text, "color": COLOR})
            self.changed.emit()
        self.update()

    def _close_text(self) -> None:
        if self.text_edit is not None:
            self.text_edit.hide()
            self.text_edit.deleteLater()
            self.text_edit = None
        self._text_at = None

    # --- painting ---
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        pix = self.pixmap()
        if pix is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawPixmap(self.image_rect().topLeft(), pix)
        shapes = list(self.shapes)
        if self._drag is not None:
            a, b = self._drag
            if self.tool == "box":
                shapes.append({"type": "box", "rect": [a.x(), a.y(), b.x(), b.y()], "color": COLOR})
            else:
                shapes.append({"type": "arrow", "start": [a.x(), a.y()], "end": [b.x(), b.y()], "color": COLOR})
        for shape in shapes:
            self._paint_shape(painter, shape)
        if self.annotating:
            painter.setPen(QPen(QColor(COLOR), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.image_rect().adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_shape(self, painter: QPainter, shape: dict) -> None:
        """As store/derived._draw draws it on the copy, at the displayed scale."""
        s = self.scale()
        base = max(2, round(min(self.image.width(), self.image.height()) / 150))
        color = QColor(shape.get("color", COLOR))
        pen = QPen(color, max(1.0, base * s))
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if shape["type"] == "box":
            x0, y0, x1, y1 = shape["rect"]
            painter.drawRect(QRectF(self.to_widget(min(x0, x1), min(y0, y1)),
                                    self.to_widget(max(x0, x1), max(y0, y1))))
        elif shape["type"] == "arrow":
            (x0, y0), (x1, y1) = shape["start"], shape["end"]
            angle = math.atan2(y1 - y0, x1 - x0)
            head = max(4 * base, 12)
            left = (x1 - head * math.cos(angle - math.pi / 7), y1 - head * math.sin(angle - math.pi / 7))
            right = (x1 - head * math.cos(angle + math.pi / 7), y1 - head * math.sin(angle + math.pi / 7))
            shaft = (x1 - 0.8 * head * math.cos(angle), y1 - 0.8 * head * math.sin(angle))
            painter.drawLine(self.to_widget(x0, y0), self.to_widget(*shaft))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon(QPolygonF([self.to_widget(x1, y1), self.to_widget(*left), self.to_widget(*right)]))
        else:
            size = max(12, round(min(self.image.width(), self.image.height()) / 20))
            font = QFont(self.font())
            font.setPixelSize(max(6, round(size * s)))
            painter.setFont(font)
            x, y = shape["at"]
            p = self.to_widget(x, y)
            painter.drawText(QRectF(p.x(), p.y(), self.width(), font.pixelSize() * 1.6),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, shape["text"])
