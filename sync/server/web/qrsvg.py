"""A QR code as SVG, drawn from reportlab's own encoder (no network, no extra dependency)."""
from __future__ import annotations

from reportlab.graphics.barcode import qrencoder


def qr_svg(text: str, *, module: int = 6, quiet: int = 4, label: str = "二维码") -> str:
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    n = qr.getModuleCount()
    size = (n + 2 * quiet) * module
    path = []
    for r in range(n):
        c = 0
        while c < n:
            if qr.isDark(r, c):
                start = c
                while c < n and qr.isDark(r, c):
                    c += 1
                path.append(f"M{(start + quiet) * module} {(r + quiet) * module}h{(c - start) * module}v{module}"
                            f"h-{(c - start) * module}z")
            else:
                c += 1
    return (f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
            f'height="{size}" role="img" aria-label="{label}"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{"".join(path)}" fill="#000"/></svg>')
