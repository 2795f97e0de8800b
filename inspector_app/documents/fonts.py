"""The embedded CJK font, its fallbacks, and text that is safe to put into a PDF.

reportlab embeds TrueType fonts only (it refuses CFF-flavoured OpenType such as Noto CJK), and
subsets them: only the glyphs used end up in the file. The primary font is WenQuanYi Micro Hei, looked
up in resources/fonts/ first (a packaged build ships it there) and then at the Debian path of
fonts-wqy-microhei. See resources/fonts/README.md.

Characters the primary font lacks (rare characters in a name, such as 𠀀 or 𪚥) go to the first
fallback font that has them (any TrueType file in resources/fonts/fallback/, then DejaVu Sans for
symbols); characters no font has become a visible □ and are reported, so the PDF is never broken and
the inspector is told which characters to write in by hand.
"""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from inspector_app.domain.messages import InspectorError, define
from inspector_app.paths import resources_dir

FONT_MISSING = define(
    "documents.font_missing",
    "找不到文书所需的中文字体（文泉驿微米黑），已查找：{paths}。请安装 fonts-wqy-microhei 或将字体放入 resources/fonts/",
    "The CJK font for documents (WenQuanYi Micro Hei) was not found; looked in: {paths}. "
    "Install fonts-wqy-microhei or put the font in resources/fonts/",
)

PRIMARY_FILES = ("wqy-microhei.ttc", "WenQuanYiMicroHei.ttf", "wqy-microhei.ttf")
SYSTEM_PRIMARY = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
SYSTEM_FALLBACKS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)
REPLACEMENT = "□"

PRIMARY_NAME = "InspectorCJK"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@dataclass(frozen=True)
class LoadedFont:
    name: str  # the name registered with reportlab
    path: Path
    cmap: frozenset[int]


_lock = threading.Lock()
_loaded: tuple[LoadedFont, tuple[LoadedFont, ...]] | None = None


def _register(name: str, path: Path) -> LoadedFont:
    font = TTFont(name, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" else TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return LoadedFont(name, path, frozenset(font.face.charToGlyph))


def primary_candidates() -> list[Path]:
    local = [fonts_dir() / name for name in PRIMARY_FILES]
    return local + list(SYSTEM_PRIMARY)


def fallback_candidates() -> list[Path]:
    folder = fonts_dir() / "fallback"
    local = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".ttf", ".ttc")) if folder.is_dir() else []
    return local + list(SYSTEM_FALLBACKS)


def load_fonts() -> tuple[LoadedFont, tuple[LoadedFont, ...]]:
    """Register the primary font and the fallbacks once per process; returns them."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        candidates = primary_candidates()
        primary = None
        for path in candidates:
            if path.is_file():
                try:
                    primary = _register(PRIMARY_NAME, path)
                    break
                except Exception:  # a damaged or CFF file: try the next one
                    continue
        if primary is None:
            raise InspectorError(FONT_MISSING, paths="；".join(str(p) for p in candidates))
        fallbacks = []
        for index, path in enumerate(fallback_candidates()):
            if path.is_file():
                try:
                    fallbacks.append(_register(f"InspectorFallback{index}", path))
                except Exception:
                    continue
        _loaded = (primary, tuple(fallbacks))
        return _loaded


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_DROP = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


class Shaper:
    """Turns plain text into reportlab Paragraph markup or canvas strings, font by font.

    Collects the characters no font could show (``missing``), in order of first appearance.
    """

    def __init__(self) -> None:
        self.primary, self.fallbacks = load_fonts()
        self.missing: dict[str, None] = {}
        self._choice: dict[str, str | None] = {}
        # Paragraphs collapse runs of whitespace, U+3000 included; the blanks of a form ("　　年　　月")
        # must keep their width, so an ideographic space becomes no-break spaces of the same width.
        nbsp = pdfmetrics.stringWidth("\xa0", self.primary.name, 1000) or 250
        self._ideographic_space = "\xa0" * max(1, round(1000 / nbsp))

    def _font_for(self, ch: str) -> str | None:
        """The font name for ch, '' to drop it, or None when no font has it."""
        try:
            return self._choice[ch]
        except KeyError:
            pass
        cp = ord(ch)
        if ch in _DROP or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
            choice: str | None = ""  # zero-width and variation selectors: nothing to draw
        elif unicodedata.category(ch) == "Cs":
            choice = None  # a lone surrogate from bad input
        elif unicodedata.category(ch) == "Cc":
            choice = ""
        elif cp in self.primary.cmap:
            choice = self.primary.name
        else:
            choice = next((f.name for f in self.fallbacks if cp in f.cmap), None)
        self._choice[ch] = choice
        return choice

    def markup(self, text: object) -> str:
        """Paragraph markup: escaped, line breaks kept, fallback fonts inline, □ for the rest."""
        if text is None:
            return ""
        s = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        out: list[str] = []
        current = self.primary.name
        for ch in s:
            if ch == "\n":
                out.append("<br/>")
                continue
            font = self._font_for(ch)
            if font == "":
                continue
            if font is None:
                self.missing.setdefault(ch)
                ch, font = REPLACEMENT, self.primary.name
            if font != current:
                if current != self.primary.name:
                    out.append("</font>")
                if font != self.primary.name:
                    out.append(f'<font name="{font}">')
                current = font
            if ch == "\u3000":
                out.append(self._ideographic_space)
            else:
                out.append(_ESCAPES.get(ch, ch))
        if current != self.primary.name:
            out.append("</font>")
        return "".join(out)

    def plain(self, text: object) -> str:
        """For canvas.drawString in the primary font: characters it lacks become □ (reported)."""
        out = []
        for ch in str(text or ""):
            font = self._font_for(ch)
            if font == "":
                continue
            if font != self.primary.name:
                self.missing.setdefault(ch)
                ch = REPLACEMENT
            out.append(ch)
        return "".join(out)
