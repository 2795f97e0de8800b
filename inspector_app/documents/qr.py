"""The QR code printed on every page: the record hash and the document number.

Payload (DESIGN.md §4, docs/documents.md):

- server configured: ``<server_url>/v/<record_hash>?n=<number, percent-encoded UTF-8>``
  (no ``?n=`` for a document without a number, i.e. 询问笔录);
- offline: ``INSPECTOR:<record_hash>:<number>`` (the number as printed, UTF-8);
- draft (unsigned): ``INSPECTOR:DRAFT:<draft hash>`` or just ``INSPECTOR:DRAFT`` — never the server
  URL, since the server has no unsigned records.

Drawn with reportlab's own encoder (no extra dependency), error correction M, as a PDF form object
defined once and placed on every page.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors

OFFLINE_PREFIX = "INSPECTOR:"
DRAFT_TOKEN = "DRAFT"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def is_record_hash(value: object) -> bool:
    return isinstance(value, str) and bool(_HASH.match(value))


def qr_text(record_hash: str | None, number: str | None, server_url: str | None = None, *, draft: bool = False) -> str:
    if draft:
        return f"{OFFLINE_PREFIX}{DRAFT_TOKEN}" + (f":{record_hash}" if record_hash else "")
    if not record_hash:
        raise ValueError("a final document needs the record hash")
    if server_url:
        base = server_url.rstrip("/")
        url = f"{base}/v/{record_hash}"
        return url + (f"?n={quote(number, safe='')}" if number else "")
    return f"{OFFLINE_PREFIX}{record_hash}:{number or ''}"


@dataclass(frozen=True)
class QrPayload:
    record_hash: str | None
    number: str | None
    draft: bool
    server_url: str | None = None


def parse_qr_text(text: str) -> QrPayload:
    """Read back what qr_text wrote (for checks by the app, the server and tests)."""
    if text.startswith(OFFLINE_PREFIX):
        rest = text[len(OFFLINE_PREFIX):]
        if rest == DRAFT_TOKEN or rest.startswith(DRAFT_TOKEN + ":"):
            h = rest[len(DRAFT_TOKEN) + 1:] or None
            return QrPayload(h, None, True)
        h, _, number = rest.partition(":")
        if not is_record_hash(h):
            raise ValueError(f"not an Inspector QR payload: {text!r}")
        return QrPayload(h, number or None, False)
    parts = urlsplit(text)
    m = re.search(r"/v/([0-9a-f]{64})$", parts.path)
    if not m:
        raise ValueError(f"not an Inspector QR payload: {text!r}")
    number = parse_qs(parts.query).get("n", [None])[0]
    server = f"{parts.scheme}://{parts.netloc}{parts.path[: m.start()]}"
    return QrPayload(m.group(1), number, False, server)


class QrStamp:
    """Draws one QR code, size × size points, at any position, on any number of pages cheaply.

    Encoded once with reportlab's own encoder; the dark runs of each row become rectangles in a form
    object defined on first use and placed on every page.
    """

    BORDER = 4  # quiet zone, in modules

    def __init__(self, text: str, size: float, level: str = "M"):
        self.text = text
        self.size = size
        qr = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
        qr.addData(text)
        qr.make()
        count = qr.getModuleCount()
        self._box = size / (count + 2 * self.BORDER)
        self._runs: list[tuple[int, int, int]] = []  # (row, first column, length)
        for r, row in enumerate(qr.modules):
            c = 0
            for dark, run in itertools.groupby(bool(m) for m in row):
                n = len(list(run))
                if dark:
                    self._runs.append((r, c, n))
                c += n
        self._count = count
        self._form: str | None = None

    def draw(self, canvas, x: float, y: float) -> None:
        if self._form is None:
            self._form = "qr" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]
            canvas.beginForm(self._form, lowerx=0, lowery=0, upperx=self.size, uppery=self.size)
            canvas.setFillColor(colors.white)
            canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
            canvas.setFillColor(colors.black)
            b, border = self._box, self.BORDER
            for r, c, n in self._runs:
                canvas.rect((c + border) * b, self.size - (r + border + 1) * b, n * b, b, stroke=0, fill=1)
            canvas.endForm()
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm(self._form)
        canvas.restoreState()
