"""Look: the Fusion style everywhere, a CJK font, and a keyboard focus that can always be seen."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QPalette, QColor
from PySide6.QtWidgets import QApplication

#: First one installed wins. WenQuanYi Micro Hei (Debian fonts-wqy-microhei) covers every Chinese
#: character the app prints; Windows has Microsoft YaHei.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Microsoft YaHei", "Microsoft YaHei UI", "Noto Sans CJK SC",
                "Source Han Sans SC", "PingFang SC", "SimHei")
FOCUS = "#0b57d0"

STYLE = f"""
QWidget:focus {{ outline: none; }}
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QSpinBox, QDateEdit {{
    border: 1px solid #9aa0a6; border-radius: 3px; padding: 3px; background: white;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QTextBrowser:focus, QComboBox:focus,
QSpinBox:focus, QDateEdit:focus {{ border: 2px solid {FOCUS}; padding: 2px; }}
QListView, QTableView, QTreeView, QListWidget, QTableWidget {{ border: 1px solid #9aa0a6; }}
QListView:focus, QTableView:focus, QTreeView:focus, QListWidget:focus, QTableWidget:focus {{
    border: 2px solid {FOCUS};
}}
QPushButton {{
    border: 1px solid #80868b; border-radius: 4px; padding: 5px 12px; background: #f8f9fa; min-height: 20px;
}}
QPushButton:hover {{ background: #eef1f4; }}
QPushButton:pressed {{ background: #dfe3e8; }}
QPushButton:default {{ border: 1px solid {FOCUS}; }}
QPushButton:focus {{ border: 2px solid {FOCUS}; padding: 4px 11px; background: #e8f0fe; }}
QPushButton:disabled {{ color: #9aa0a6; border-color: #c4c7c5; }}
QCheckBox:focus, QRadioButton:focus {{ color: {FOCUS}; text-decoration: underline; }}
QTabBar::tab:focus {{ color: {FOCUS}; text-decoration: underline; }}
QLabel#pageTitle {{ font-size: 16pt; font-weight: bold; }}
QLabel#warning {{ color: #b3261e; }}
QLabel#ok {{ color: #146c2e; }}
QLabel#hint {{ color: #5f6368; }}
QFrame#recording {{ background: #b3261e; color: white; border-radius: 3px; }}
QLabel#recordingLabel {{ color: white; font-weight: bold; padding: 2px 6px; }}
"""


def cjk_family() -> str | None:
    families = set(QFontDatabase.families())
    for name in CJK_FAMILIES:
        if name in families:
            return name
    return None


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    family = cjk_family()
    font = QFont(family) if family else app.font()
    font.setPointSize(10)
    app.setFont(font)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor(FOCUS))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
