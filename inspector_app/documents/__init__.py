"""Official enforcement documents (安全生产行政执法文书) as PDF: reportlab, no Qt.

    from inspector_app.documents import render, CountySettings
    result = render("rectify-order", record, record_hash=h, signed=True, number="（文）应急责改〔2025〕12号",
                    settings=CountySettings(...), out_path="order.pdf", photos=vault_thumbnail)

Templates (resources/templates/*.toml) hold every printed word; docs/documents.md describes them.
"""
from .qr import QrPayload, parse_qr_text, qr_text
from .render import RenderResult, RenderWarning, render
from .settings import CountySettings, check_settings
from .templates import KINDS, load_template

__all__ = [
    "KINDS",
    "CountySettings",
    "QrPayload",
    "RenderResult",
    "RenderWarning",
    "check_settings",
    "load_template",
    "parse_qr_text",
    "qr_text",
    "render",
]
