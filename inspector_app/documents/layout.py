"""Page furniture and the building blocks of the forms (reportlab platypus, no Qt).

A4 with margins like the printed forms; every page gets, after layout, "共 X 页 第 Y 页", the QR code,
a continuation header from page 2, the inquiry's per-page signature line and, for drafts, the draft
mark. That is done in one layout pass: the canvas keeps the pages until the end, when the total is
known (the usual reportlab "numbered canvas").
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Callable

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

PAGE_W, PAGE_H = A4
MARGIN_LEFT = 28 * mm
MARGIN_RIGHT = 26 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 34 * mm
FRAME_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
QR_SIZE = 25 * mm

BODY = 12  # 小四
SMALL = 10.5  # 五号
TITLE = 22  # 二号

INK = colors.black
RULE = colors.Color(0.25, 0.25, 0.25)
DRAFT_INK = colors.Color(0.8, 0.1, 0.1)
# Font for plain-string table cells (even empty ones select a font): the embedded CJK font, set by
# Styles, so that no non-embedded Helvetica ends up in the PDF.
_cell_font = "Helvetica"


@dataclass
class Styles:
    font: str
    body: ParagraphStyle = field(init=False)
    indented: ParagraphStyle = field(init=False)
    small: ParagraphStyle = field(init=False)
    detail: ParagraphStyle = field(init=False)
    number: ParagraphStyle = field(init=False)
    heading: ParagraphStyle = field(init=False)
    section: ParagraphStyle = field(init=False)
    cell: ParagraphStyle = field(init=False)
    cell_center: ParagraphStyle = field(init=False)
    cell_right: ParagraphStyle = field(init=False)
    label: ParagraphStyle = field(init=False)
    right: ParagraphStyle = field(init=False)
    caption: ParagraphStyle = field(init=False)

    def __post_init__(self) -> None:
        global _cell_font
        _cell_font = self.font
        base = ParagraphStyle(
            "body", fontName=self.font, fontSize=BODY, leading=BODY * 1.75, wordWrap="CJK",
            alignment=TA_LEFT, textColor=INK, allowWidows=1, allowOrphans=1,
        )
        self.body = base
        self.indented = ParagraphStyle("indented", parent=base, firstLineIndent=2 * BODY)
        self.small = ParagraphStyle("small", parent=base, fontSize=SMALL, leading=SMALL * 1.6)
        self.detail = ParagraphStyle("detail", parent=base, fontSize=SMALL, leading=SMALL * 1.6, leftIndent=2 * BODY)
        self.number = ParagraphStyle("number", parent=base, alignment=TA_RIGHT, spaceAfter=2 * mm)
        self.heading = ParagraphStyle("heading", parent=base, spaceBefore=2 * mm)
        # Headings and item titles stay with what follows them.
        self.section = ParagraphStyle("section", parent=base, keepWithNext=1)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=SMALL, leading=SMALL * 1.45)
        self.cell_center = ParagraphStyle("cellc", parent=self.cell, alignment=TA_CENTER)
        self.cell_right = ParagraphStyle("cellr", parent=self.cell, alignment=TA_RIGHT)
        self.label = ParagraphStyle("label", parent=base, leading=BODY * 1.45)
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
        self.caption = ParagraphStyle("caption", parent=base, fontSize=8.5, leading=8.5 * 1.4)


class TitleLine(Flowable):
    """The document title, centred, large; WenQuanYi has no bold, so the strokes are thickened."""

    def __init__(self, text: str, font: str, size: float = TITLE):
        super().__init__()
        self.text, self.font, self.size = text, font, size

    def wrap(self, avail_w, avail_h):
        self.width = avail_w
        # Shrink a title that does not fit on one line rather than clip it.
        while self.size > 12 and stringWidth(self.text, self.font, self.size) + self.size > avail_w:
            self.size -= 1
        self.height = self.size * 1.9
        return avail_w, self.height

    def draw(self):
        c = self.canv
        c.saveState()
        c.setFont(self.font, self.size)
        c.setLineWidth(self.size * 0.03)
        text = c.beginText()
        text.setTextRenderMode(2)  # fill + stroke: a bold face from a regular one
        # Wide letter spacing, as printed forms set their titles.
        spacing = self.size * 0.12
        text.setCharSpace(spacing)
        width = stringWidth(self.text, self.font, self.size) + spacing * (len(self.text) - 1)
        text.setTextOrigin((self.width - width) / 2, self.size * 0.55)
        text.textOut(self.text)
        c.drawText(text)
        c.restoreState()


def underline_style(cols: list[int], rows: int = 1) -> list:
    """LINEBELOW under the given value columns of a one-row field table."""
    cmds: list = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for c in cols:
        cmds.append(("LINEBELOW", (c, 0), (c, rows - 1), 0.5, RULE))
    return cmds


def grid_style() -> list:
    return [
        ("GRID", (0, 0), (-1, -1), 0.6, INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]


def table(data, widths, style_cmds, *, repeat_rows: int = 0, split_in_row: int = 1, min_heights=None) -> Table:
    t = Table(data, colWidths=widths, repeatRows=repeat_rows, splitInRow=split_in_row, hAlign="LEFT",
              minRowHeights=min_heights)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _cell_font)] + list(style_cmds)))
    return t


def spacer(h_mm: float) -> Spacer:
    return Spacer(1, h_mm * mm)


def rule_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text, style)


@dataclass
class PageFurniture:
    """What decorate() draws on every page once the page count is known."""

    font: str
    page_number: Callable[[int, int], str]
    qr: object | None  # QrStamp
    header: Callable[[int], str] | None = None
    draft_mark: str | None = None
    page_signature: str | None = None
    pages: int = 0

    def decorate(self, c: Canvas, page: int, total: int) -> None:
        self.pages = total
        c.saveState()
        c.setFillColor(INK)
        c.setStrokeColor(INK)
        # 共 X 页 第 Y 页, bottom centre.
        c.setFont(self.font, SMALL)
        c.drawCentredString(PAGE_W / 2, 14 * mm, self.page_number(page, total))
        if self.qr is not None:
            self.qr.draw(c, PAGE_W - MARGIN_RIGHT - QR_SIZE + 2 * mm, 5 * mm)
        if self.header and page > 1:
            c.setFont(self.font, 9)
            c.setFillColor(colors.Color(0.3, 0.3, 0.3))
            c.drawString(MARGIN_LEFT, PAGE_H - 15.5 * mm, self.header(page))
            c.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
            c.setLineWidth(0.4)
            c.line(MARGIN_LEFT, PAGE_H - 17 * mm, PAGE_W - MARGIN_RIGHT, PAGE_H - 17 * mm)
            c.setFillColor(INK)
        if self.page_signature:
            c.setFont(self.font, SMALL)
            c.setStrokeColor(INK)
            y = 24 * mm
            c.drawString(MARGIN_LEFT, y, self.page_signature)
            x = MARGIN_LEFT + stringWidth(self.page_signature, self.font, SMALL) + 2
            c.setLineWidth(0.5)
            c.line(x, y - 1.5, x + 45 * mm, y - 1.5)
        if self.draft_mark:
            self._draft(c)
        c.restoreState()

    def _draft(self, c: Canvas) -> None:
        # A plain banner (read back by pdftotext), a frame, and a large diagonal mark across the page.
        c.setFillColor(DRAFT_INK)
        c.setStrokeColor(DRAFT_INK)
        c.setFont(self.font, 11)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 9.5 * mm, self.draft_mark)
        c.setLineWidth(1.2)
        c.rect(4 * mm, 4 * mm, PAGE_W - 8 * mm, PAGE_H - 8 * mm)
        c.setFillAlpha(0.15)
        c.translate(PAGE_W / 2, PAGE_H / 2)
        c.rotate(54.7)  # along the page's diagonal
        diagonal = (PAGE_W ** 2 + PAGE_H ** 2) ** 0.5
        size = 40
        while size > 16 and stringWidth(self.draft_mark, self.font, size) > diagonal * 0.68:
            size -= 1
        c.setFont(self.font, size)
        c.drawCentredString(0, -size * 0.35, self.draft_mark)
        short = self.draft_mark.split("—")[0].strip() or self.draft_mark
        c.setFont(self.font, size * 1.3)
        for dy in (-62 * mm, 62 * mm):
            c.drawCentredString(0, dy, short)


def canvas_maker(furniture: PageFurniture):
    """A Canvas class that holds the pages until save(), then decorates each with the total."""

    class _DeferredCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                furniture.decorate(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return _DeferredCanvas


class JpegImage(Flowable):
    """A JPEG thumbnail embedded byte for byte (DCTDecode), keyed by its hash.

    reportlab's drawImage, given image bytes, decodes every photo to RGB only to name it by an MD5 of
    the pixels; for twenty 1000×750 thumbnails that is most of the rendering time. The evidence
    already has a name (its SHA-256) and the thumbnail is a JPEG, so it goes in as is, no ASCII85.
    Anything else (a PNG thumbnail, a damaged file) raises ValueError from ``probe`` and the caller
    falls back to reportlab's own Image.
    """

    def __init__(self, data: bytes, key: str, max_w: float, max_h: float):
        super().__init__()
        self.data, self.key = data, key
        w, h, self.components = self.probe(data)
        self.pixels = (w, h)
        scale = min(max_w / w, max_h / h)
        self.drawWidth, self.drawHeight = w * scale, h * scale
        self.hAlign = "CENTER"

    @staticmethod
    def probe(data: bytes) -> tuple[int, int, int]:
        from reportlab.pdfbase import pdfutils

        if not data.startswith(b"\xff\xd8"):
            raise ValueError("not a JPEG")
        try:
            width, height, components = pdfutils.readJPEGInfo(io.BytesIO(data))[:3]
        except Exception as exc:  # reportlab raises its own error types
            raise ValueError(f"unreadable JPEG: {exc}") from None
        if components not in (1, 3) or width <= 0 or height <= 0:
            raise ValueError("unsupported JPEG")
        return width, height, components

    def wrap(self, avail_w, avail_h):
        return self.drawWidth, self.drawHeight

    def draw(self):
        from reportlab.pdfbase import pdfdoc

        c = self.canv
        name = "jpeg" + self.key
        reg = c._doc.getXObjectName(name)
        if c._doc.idToObject.get(reg) is None:
            # What PDFImageXObject.loadImageFromJPEG sets, without its ASCII85 pass (pure Python when
            # reportlab's C accelerator is absent, and a quarter bigger).
            obj = pdfdoc.PDFImageXObject(name)
            obj.width, obj.height = self.pixels
            obj.bitsPerComponent = 8
            obj.colorSpace = "DeviceGray" if self.components == 1 else "DeviceRGB"
            obj.streamContent, obj._filters, obj.mask = self.data, ("DCTDecode",), None
            obj.name = name
            c._setXObjects(obj)
            c._doc.Reference(obj, reg)
            c._doc.addForm(name, obj)
        c.saveState()
        c.scale(self.drawWidth, self.drawHeight)
        c._code.append(f"/{reg} Do")
        c.restoreState()
        c._formsinuse.append(name)
