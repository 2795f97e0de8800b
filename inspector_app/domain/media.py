"""What a piece of evidence is: media type from its magic bytes, and its own metadata.

The type is sniffed from the first bytes, never trusted from the extension (body cams and phones
name files freely, and a renamed document must not pass as a photo). Photos are decoded with Pillow
to refuse corrupt ones; their capture time and GPS position come from EXIF. Videos and audio are
described by ``ffprobe`` when it is installed (container creation time, duration, frame size); a
video ffprobe cannot parse is still accepted, because a body cam that lost power mid-recording
leaves exactly such a file and it is still evidence. GPS coordinates are decimal *strings*, exact
to the EXIF rationals rounded to 7 places (about 1 cm), so nothing drifts through floats. They are
the coordinates the device recorded (normally WGS-84), not converted.

No Qt here: the CLI and the server use this module too.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from .messages import InspectorError, define

EMPTY = define(
    "evidence.empty",
    "文件 {file} 是空文件（0 字节），不能作为证据",
    "File {file} is empty (0 bytes) and cannot be evidence",
)
NOT_MEDIA = define(
    "evidence.not_media",
    "文件 {file} 不是可识别的照片、视频或录音，已跳过",
    "File {file} is not a recognised photo, video or audio recording; skipped",
)
CORRUPT = define(
    "evidence.corrupt",
    "文件 {file} 已损坏，无法解码：{reason}",
    "File {file} is corrupt and cannot be decoded: {reason}",
)
MISSING = define(
    "evidence.missing",
    "找不到文件 {file}（可能已被移走或存储设备已拔出）",
    "File {file} was not found (it may have been moved or the drive removed)",
)
UNREADABLE = define(
    "evidence.unreadable",
    "无法读取文件 {file}：{reason}",
    "Cannot read file {file}: {reason}",
)
NOT_A_FILE = define(
    "evidence.not_a_file",
    "{file} 不是普通文件",
    "{file} is not a regular file",
)

PHOTO, VIDEO, AUDIO = "photo", "video", "audio"
FFPROBE_TIMEOUT_S = 30
SNIFF_BYTES = 64

# ISO base media (ftyp) brands. Anything else with an ftyp box is treated as MP4 video.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QUICKTIME_BRANDS = {b"qt  "}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_3GP_PREFIXES = (b"3gp", b"3g2")
# Top-level QuickTime atoms that old .mov files (no ftyp) start with.
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@dataclass(frozen=True)
class MediaInfo:
    """What the import records about an original, besides its hash."""

    media_type: str  # MIME type, from the magic bytes
    kind: str  # photo | video | audio
    size: int
    file_time: str | None = None  # capture time from the file's own metadata, ISO 8601
    duration_s: str | None = None  # decimal string, e.g. "2.000000"
    gps: dict | None = None  # {"lat": "31.2304167", "lon": "121.4737000"[, "alt": "12.5"]}
    width: int | None = None  # as displayed (EXIF orientation applied for photos)
    height: int | None = None
    codec: str | None = None  # video or audio codec, when ffprobe tells

    def to_dict(self) -> dict:
        return asdict(self)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(MIME type, kind) from the first bytes of a file, or None when it is not media we know."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", PHOTO
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", PHOTO
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = {head[8:12]}
        box_len = int.from_bytes(head[0:4], "big")
        end = min(len(head), box_len if box_len >= 16 else 16)
        for i in range(16, end - 3, 4):  # compatible brands
            brands.add(head[i:i + 4])
        major = head[8:12]
        if major in _AVIF_BRANDS or (major in {b"mif1", b"msf1"} and brands & _AVIF_BRANDS):
            return "image/avif", PHOTO
        if major in _HEIF_BRANDS:
            return "image/heic", PHOTO
        if major in _QUICKTIME_BRANDS:
            return "video/quicktime", VIDEO
        if major in _M4A_BRANDS:
            return "audio/mp4", AUDIO
        if major.startswith(_3GP_PREFIXES):
            return "video/3gpp", VIDEO
        return "video/mp4", VIDEO
    if len(head) >= 8 and head[4:8] in _QT_ATOMS and int.from_bytes(head[0:4], "big") >= 8:
        return "video/quicktime", VIDEO
    if len(head) >= 12 and head.startswith(b"RIFF"):
        form = head[8:12]
        if form == b"AVI ":
            return "video/x-msvideo", VIDEO
        if form == b"WAVE":
            return "audio/wav", AUDIO
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or WebM
        if b"webm" in head[:SNIFF_BYTES]:
            return "video/webm", VIDEO
        return "video/x-matroska", VIDEO
    if head.startswith(b"ID3"):
        return "audio/mpeg", AUDIO
    if head.startswith(b"#!AMR"):  # phone call and voice recorders in China often write AMR
        return "audio/amr", AUDIO
    if len(head) >= 4 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:  # MPEG audio frame sync
        if (head[1] & 0xF6) == 0xF0:  # 12-bit sync and layer 00: an AAC ADTS stream
            return "audio/aac", AUDIO
        version = (head[1] >> 3) & 0x3  # 01 is reserved
        layer = (head[1] >> 1) & 0x3  # 00 is reserved
        bitrate = head[2] >> 4  # 1111 is invalid
        rate = (head[2] >> 2) & 0x3  # 11 is reserved
        if version != 1 and layer != 0 and bitrate != 15 and rate != 3:
            return "audio/mpeg", AUDIO
    return None


def sniff_file(path: str | os.PathLike) -> tuple[str, str] | None:
    with open(path, "rb") as f:
        return sniff(f.read(SNIFF_BYTES))


def probe(path: str | os.PathLike) -> MediaInfo:
    """Classify and describe a file; raises evidence.* errors for what cannot be evidence."""
    path = Path(path)
    name = str(path)
    try:
        with open_regular(path) as f:
            st = os.fstat(f.fileno())
            head = f.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise InspectorError(MISSING, file=name) from None
    except IsADirectoryError:
        raise InspectorError(NOT_A_FILE, file=name) from None
    except OSError as exc:
        raise InspectorError(UNREADABLE, file=name, reason=exc.strerror or str(exc)) from None
    if st.st_size == 0:
        raise InspectorError(EMPTY, file=name)
    kind = sniff(head)
    if kind is None:
        raise InspectorError(NOT_MEDIA, file=name)
    media_type, kind_name = kind
    if kind_name == PHOTO:
        return _probe_photo(path, media_type, st.st_size)
    return _probe_av(path, media_type, kind_name, st.st_size)


def open_regular(path: str | os.PathLike):
    """Open a regular file for unbuffered reading; anything else (a folder, a device, a FIFO that
    would block the import forever) raises evidence.not_a_file."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InspectorError(NOT_A_FILE, file=str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


# ----------------------------------------------------------------------------------------------
# Photos


def _probe_photo(path: Path, media_type: str, size: int) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    _register_optional_plugins()
    name = str(path)
    try:
        with Image.open(path) as img:
            width, height = img.size
            exif = img.getexif()
            # Decode everything (at reduced scale for JPEG, which still reads every byte): this is
            # what catches truncated and damaged files.
            if img.format == "JPEG":
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            img.load()
    except UnidentifiedImageError:
        if media_type in ("image/heic", "image/avif"):
            # Pillow has no HEIF decoder here: keep the photo, without dimensions or EXIF.
            return MediaInfo(media_type=media_type, kind=PHOTO, size=size)
        raise InspectorError(CORRUPT, file=name, reason="unrecognised image data") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InspectorError(CORRUPT, file=name, reason=str(exc) or type(exc).__name__) from None
    orientation = exif.get(0x0112, 1)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return MediaInfo(media_type=media_type, kind=PHOTO, size=size, file_time=_exif_time(exif),
                     gps=_exif_gps(exif), width=width, height=height)


def _register_optional_plugins() -> None:
    try:  # HEIC support when the optional pillow-heif package is present
        import pillow_heif  # type: ignore[import-not-found]

        pillow_heif.register_heif_opener()
    except ImportError:
        pass


_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_EXIF_TIME_RE = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"[+-]\d{2}:\d{2}")


def _exif_text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").strip()


def _exif_time(exif) -> str | None:
    """EXIF DateTimeOriginal (with OffsetTimeOriginal when present) as ISO 8601."""
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # noqa: BLE001 - a damaged EXIF block means no time, not a failed import
        sub = {}
    text = _exif_text(sub.get(0x9003)) or _exif_text(exif.get(0x0132))  # DateTimeOriginal, DateTime
    if not text:
        return None
    m = _EXIF_TIME_RE.fullmatch(text[:19])
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and s <= 60 and y >= 1900):
        return None  # e.g. the "0000:00:00 00:00:00" of cameras with no clock set
    iso = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    offset = _exif_text(sub.get(0x9011))  # OffsetTimeOriginal
    if offset and _OFFSET_RE.fullmatch(offset):
        iso += offset
    return iso


def _rational(value) -> Fraction:
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        if value.denominator == 0:
            raise ZeroDivisionError
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, tuple) and len(value) == 2:
        return Fraction(int(value[0]), int(value[1]))
    return Fraction(value)


def _decimal(frac: Fraction, places: int = 7) -> str:
    q = Decimal(1).scaleb(-places)
    return str((Decimal(frac.numerator) / Decimal(frac.denominator)).quantize(q, rounding=ROUND_HALF_EVEN))


def _exif_gps(exif) -> dict | None:
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # noqa: BLE001
        return None
    if not gps:
        return None
    try:
        def coord(ref_tag: int, tag: int, negative: str, limit: int) -> Fraction | None:
            parts = gps.get(tag)
            if not parts or len(parts) != 3:
                return None
            d, m, s = (_rational(p) for p in parts)
            value = d + m / 60 + s / 3600
            if value > limit:
                return None
            ref = _exif_text(gps.get(ref_tag)) or ""
            return -value if ref.upper().startswith(negative) else value

        lat = coord(1, 2, "S", 90)
        lon = coord(3, 4, "W", 180)
        if lat is None or lon is None:
            return None
        out = {"lat": _decimal(lat), "lon": _decimal(lon)}
        if gps.get(6) is not None:
            alt = _rational(gps[6])
            ref = gps.get(5)
            if ref in (1, b"\x01"):
                alt = -alt
            out["alt"] = _decimal(alt, 2)
        return out
    except (ZeroDivisionError, TypeError, ValueError, InvalidOperation):
        return None


# ----------------------------------------------------------------------------------------------
# Video and audio


def ffprobe_path() -> str | None:
    return shutil.which("ffprobe")


def ffprobe_json(target: str, *, timeout: float = FFPROBE_TIMEOUT_S) -> dict | None:
    """ffprobe's format and streams for a path or URL, or None when ffprobe is missing or fails."""
    exe = ffprobe_path()
    if exe is None:
        return None
    if "://" not in target:
        target = "file:" + target  # a file name containing ':' must not be read as a protocol
    try:
        protocols = "file" if target.startswith("file:") else "http,tcp"
        run = subprocess.run([exe, "-v", "error", "-protocol_whitelist", protocols, "-print_format", "json",
                              "-show_format", "-show_streams", target],
                             capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if run.returncode != 0:
        return None
    try:
        data = json.loads(run.stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


_DURATION_RE = re.compile(r"\d+(\.\d+)?")


def _probe_av(path: Path, media_type: str, kind: str, size: int) -> MediaInfo:
    data = ffprobe_json(os.path.abspath(path))
    if data is None:
        return MediaInfo(media_type=media_type, kind=kind, size=size)
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = fmt.get("duration")
    if not (isinstance(duration, str) and _DURATION_RE.fullmatch(duration)):
        duration = None
    created = (fmt.get("tags") or {}).get("creation_time")
    if not created:
        for s in streams:
            created = (s.get("tags") or {}).get("creation_time")
            if created:
                break
    width = height = None
    codec = None
    if video is not None:
        width, height = video.get("width"), video.get("height")
        codec = video.get("codec_name")
    elif audio is not None:
        codec = audio.get("codec_name")
    return MediaInfo(media_type=media_type, kind=kind, size=size, file_time=created or None, duration_s=duration,
                     width=width if isinstance(width, int) else None,
                     height=height if isinstance(height, int) else None, codec=codec)
