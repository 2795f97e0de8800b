"""Derived files: thumbnails and annotated copies, stored in the vault beside their originals.

A derived file is an ordinary vault object (encrypted, named by its own sha256) with an encrypted
metadata sidecar saying ``derived_from`` (the original's sha256) and ``kind`` (thumbnail or
annotated). Originals are never modified or replaced: a derived file is new bytes under a new name,
and if its bytes ever equalled an existing original, that original keeps its identity (no sidecar
is written over it).

Photo thumbnails honour EXIF orientation. Video thumbnails are a frame taken by the ``ffmpeg``
command with no Qt event loop (the CLI and the server use this module; the app may use
QMediaPlayer + QVideoSink instead). The decrypted video reaches ffmpeg without touching the disk:

* through a pipe (``ffmpeg -ss 0.5 -i pipe:0 -frames:v 1``) when the container can be read
  front to back (AVI, Matroska, MP4/MOV with the ``moov`` box before the media data);
* otherwise (an MP4/MOV whose index is at the end, as cameras write it, which ffmpeg cannot read
  from a pipe) through a loopback HTTP server that serves the decrypting, seekable reader with range
  requests, at a random unguessable URL, for the length of that one ffmpeg run.

No Qt import here, at module level or anywhere.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import re
import secrets
import shutil
import subprocess
import threading
from dataclasses import asdict, dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from inspector_app.domain import media
from inspector_app.domain.messages import InspectorError, define

from .vault import Vault

THUMBNAIL = "thumbnail"
ANNOTATED = "annotated"
THUMB_MAX_PX = 320
MAX_PHOTO_BYTES = 256 << 20  # photos are decoded in memory; nothing real comes near this
FFMPEG_TIMEOUT_S = 120
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

NO_FFMPEG = define(
    "derived.no_ffmpeg",
    "未安装 ffmpeg，无法生成视频缩略图",
    "ffmpeg is not installed; cannot make a video thumbnail",
)
VIDEO_FAILED = define(
    "derived.video_failed",
    "无法从视频 {sha} 中取得画面：{reason}",
    "Could not take a frame from video {sha}: {reason}",
)
NO_THUMBNAIL = define(
    "derived.no_thumbnail",
    "无法为 {sha}（{media_type}）生成缩略图",
    "Cannot make a thumbnail of {sha} ({media_type})",
)
CANNOT_ANNOTATE = define(
    "derived.cannot_annotate",
    "无法在 {sha}（{media_type}）上标注：只能标注可解码的照片",
    "Cannot annotate {sha} ({media_type}): only photos that can be decoded can be annotated",
)
BAD_SHAPE = define(
    "derived.bad_shape",
    "第 {index} 个标注无效：{reason}",
    "Annotation {index} is invalid: {reason}",
)
NO_SHAPES = define(
    "derived.no_shapes",
    "没有要画的标注",
    "There is nothing to annotate",
)


@dataclass(frozen=True)
class Derived:
    sha256: str
    derived_from: str
    kind: str  # thumbnail | annotated
    media_type: str
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration_s: str | None = None  # a video thumbnail carries the video's duration

    def media_info(self) -> media.MediaInfo:
        """What the store records for the derived object itself (an image)."""
        return media.MediaInfo(media_type=self.media_type, kind=media.PHOTO, size=self.size or 0,
                               duration_s=None, width=self.width, height=self.height)

    def to_meta(self) -> dict:
        return asdict(self)


def get_derived(vault: Vault, sha: str) -> Derived | None:
    """The derived-file metadata of ``sha``, or None for an original."""
    meta = vault.get_meta(sha)
    if not meta or meta.get("kind") not in (THUMBNAIL, ANNOTATED):
        return None
    fields = {k: meta.get(k) for k in Derived.__dataclass_fields__}
    fields["sha256"] = str(sha).lower()
    return Derived(**fields)


def _provenance(kind: str, original: str) -> str:
    return f"Inspector {kind} derived_from={original}"


def _tag_jpeg(data: bytes, text: str) -> bytes:
    """Insert a JPEG comment (COM) segment right after SOI, losslessly."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    body = text.encode("ascii")
    return data[:2] + b"\xff\xfe" + (len(body) + 2).to_bytes(2, "big") + body + data[2:]


def _original_of(vault: Vault, source: str) -> str:
    origin = get_derived(vault, source)
    return origin.derived_from if origin is not None else source


def _store(vault: Vault, data: bytes, source: str, kind: str, media_type: str, *, width: int | None,
           height: int | None, duration_s: str | None = None, extra: dict | None = None) -> Derived:
    """Store derived bytes (already carrying their provenance, see _provenance) and their sidecar.

    The provenance written into the file makes each derived file's bytes unique to its original
    (two videos starting on the same black frame still get two thumbnails), so the one-to-one
    ``derived_from`` of the sidecar and of the store's evidence rows stays true, and an exported
    derived file still says where it came from."""
    original = _original_of(vault, source)
    sha = hashlib.sha256(data).hexdigest()
    derived = Derived(sha, original, kind, media_type, len(data), width, height, duration_s)
    # The sidecar goes first: a crash between the two leaves metadata without an object (harmless),
    # never a derived object that looks like an original. An object that exists without a sidecar
    # is an original whose bytes these happen to be: it keeps its identity.
    if not vault.has(sha) or get_derived(vault, sha) is not None:
        meta = derived.to_meta()
        if source != original:
            meta["source"] = source
        meta.update(extra or {})
        vault.put_meta(sha, meta)
    vault.put_bytes(data, name=f"{kind} of {source}")
    return derived


def _head(vault: Vault, sha: str) -> tuple[str, str, int]:
    with vault.open(sha) as r:
        head = r.read(media.SNIFF_BYTES)
        size = r.size
    kind = media.sniff(head)
    if kind is None:
        raise InspectorError(NO_THUMBNAIL, sha=sha, media_type="unknown")
    return kind[0], kind[1], size


def _read_photo(vault: Vault, sha: str, media_type: str, size: int, code: str):
    from PIL import Image

    media._register_optional_plugins()
    if size > MAX_PHOTO_BYTES:
        raise InspectorError(code, sha=sha, media_type=media_type)
    with vault.open(sha) as r:
        data = r.read()
    try:
        return Image.open(io.BytesIO(data))  # decoded lazily, after the caller's draft()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for undecodable data
        raise InspectorError(code, sha=sha, media_type=media_type) from exc


def _to_rgb(img):
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def thumbnail(vault: Vault, sha: str, *, max_px: int = THUMB_MAX_PX) -> Derived:
    """A JPEG of at most ``max_px`` on its longer side, upright, for a photo or a video."""
    media_type, kind, size = _head(vault, sha)
    if kind == media.PHOTO:
        return _photo_thumbnail(vault, sha, media_type, size, max_px)
    if kind == media.VIDEO:
        return _video_thumbnail(vault, sha, media_type, max_px)
    raise InspectorError(NO_THUMBNAIL, sha=sha, media_type=media_type)


def _photo_thumbnail(vault: Vault, sha: str, media_type: str, size: int, max_px: int) -> Derived:
    from PIL import Image, ImageOps

    img = _read_photo(vault, sha, media_type, size, NO_THUMBNAIL)
    with img:
        if img.format == "JPEG":
            img.draft("RGB", (max_px, max_px))  # decode at 1/2..1/8 scale: much faster, same result
        try:
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            _to_rgb(upright).save(out, "JPEG", quality=85)
            width, height = upright.size
        except (OSError, ValueError, SyntaxError) as exc:
            raise InspectorError(NO_THUMBNAIL, sha=sha, media_type=media_type) from exc
    data = _tag_jpeg(out.getvalue(), _provenance(THUMBNAIL, _original_of(vault, sha)))
    return _store(vault, data, sha, THUMBNAIL, "image/jpeg", width=width, height=height)


# ----------------------------------------------------------------------------------------------
# Video frames


_DURATION_RE = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


def _duration_from_banner(stderr: str) -> str | None:
    m = _DURATION_RE.search(stderr)
    if not m:
        return None
    h, mi, s = m.groups()
    return str(Decimal(h) * 3600 + Decimal(mi) * 60 + Decimal(s))


def _moov_first(reader: Any) -> bool:
    """For ISO base media files: whether the movie box comes before the media data, which is
    what lets ffmpeg read the file from a pipe."""
    pos = 0
    size = reader.size
    while pos + 8 <= size:
        reader.seek(pos)
        head = reader.read(16)
        box = int.from_bytes(head[0:4], "big")
        kind = head[4:8]
        if kind == b"moov":
            return True
        if kind == b"mdat":
            return False
        if box == 1 and len(head) >= 16:
            box = int.from_bytes(head[8:16], "big")
        elif box == 0:
            return False
        if box < 8:
            return False
        pos += box
    return False


class _LoopbackServer:
    """Serves one vault object's plaintext to a local ffmpeg over HTTP with range requests.

    Bound to 127.0.0.1 on a random port, at a random 192-bit path, for one run; the plaintext is
    decrypted on demand and never written anywhere."""

    def __init__(self, vault: Vault, sha: str):
        self.error: BaseException | None = None
        token = secrets.token_urlsafe(24)
        with vault.open(sha) as r:
            size = r.size
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                if self.path != "/" + token:
                    self.send_error(404)
                    return
                start, end, status = 0, size - 1, 200
                rng = self.headers.get("Range")
                if rng:
                    m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
                    if not m or (not m.group(1) and not m.group(2)):
                        self.send_error(416)
                        return
                    if m.group(1):
                        start = int(m.group(1))
                        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                    else:  # suffix range
                        start = max(0, size - int(m.group(2)))
                    if start >= size or start > end:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(end - start + 1))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                self.end_headers()
                if head:
                    return
                try:
                    with vault.open(sha) as r:
                        r.seek(start)
                        left = end - start + 1
                        while left:
                            buf = r.read(min(256 << 10, left))
                            if not buf:
                                break
                            self.wfile.write(buf)
                            left -= len(buf)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # ffmpeg had what it needed
                except InspectorError as exc:  # a damaged object: ffmpeg sees a cut stream
                    outer.error = exc
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a client hanging up mid-response is normal here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{token}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="vault-loopback", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _ffmpeg_frame(exe: str, source: str, at: float, max_px: int, feed=None) -> tuple[bytes, str]:
    """Run ffmpeg once; returns (JPEG bytes or b"", stderr text)."""
    scale = (f"scale='min({max_px},iw)':'min({max_px},ih)':force_original_aspect_ratio=decrease,"
             "scale=trunc(iw/2)*2:trunc(ih/2)*2")
    # ffmpeg may open only the one input we give it (no references to other files or URLs inside
    # a crafted container), and never through a proxy: the plaintext must not leave the machine.
    protocols = "pipe" if feed is not None else "http,tcp"
    cmd = [exe, "-hide_banner", "-nostats", "-protocol_whitelist", protocols, "-ss", f"{at}", "-i", source,
           "-map", "0:v:0", "-frames:v", "1", "-an", "-sn", "-vf", scale, "-f", "image2pipe", "-c:v", "mjpeg",
           "-q:v", "3", "pipe:1"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["no_proxy"] = "*"
    if feed is None:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env)
        try:
            out, err = proc.communicate(timeout=FFMPEG_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return b"", "timed out"
        return (out if proc.returncode == 0 else b""), err.decode("utf-8", "replace")
    r_fd, w_fd = os.pipe()
    try:
        proc = subprocess.Popen(cmd, stdin=r_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    finally:
        os.close(r_fd)
    feeder_error: list[BaseException] = []

    def pump() -> None:
        try:
            feed(w_fd)
        except (BrokenPipeError, ConnectionResetError):
            pass  # ffmpeg stopped reading: it has its frame, or gave up
        except BaseException as exc:  # a decryption error: reported instead of ffmpeg's complaint
            feeder_error.append(exc)
        finally:
            os.close(w_fd)

    feeder = threading.Thread(target=pump, name="vault-ffmpeg-feed", daemon=True)
    feeder.start()
    try:
        out, err = proc.communicate(timeout=FFMPEG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        out, err = b"", b"timed out"
    feeder.join()
    if feeder_error:
        raise feeder_error[0]
    return (out if proc.returncode == 0 else b""), err.decode("utf-8", "replace")


def video_frame(vault: Vault, sha: str, *, max_px: int = THUMB_MAX_PX, at: float = 0.5) -> tuple[bytes, str | None]:
    """A JPEG frame of a video in the vault and its duration (seconds as a decimal string)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise InspectorError(NO_FFMPEG)
    with vault.open(sha) as r:
        head = r.read(16)
        iso = len(head) >= 8 and head[4:8] == b"ftyp"
        pipe_ok = not iso or _moov_first(r)

    def feed(fd: int) -> None:
        with vault.open(sha) as r:
            while chunk := r.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]

    attempts = []
    if pipe_ok:
        attempts.append("pipe")
    attempts.append("loopback")
    stderr = ""
    for how in attempts:
        for start in (at, 0.0) if at else (0.0,):
            if how == "pipe":
                frame, stderr = _ffmpeg_frame(exe, "pipe:0", start, max_px, feed=feed)
            else:
                server = _LoopbackServer(vault, sha)
                try:
                    frame, stderr = _ffmpeg_frame(exe, server.url, start, max_px)
                finally:
                    server.close()
                if server.error is not None:
                    raise server.error
            if frame:
                return frame, _duration_from_banner(stderr)
            duration = _duration_from_banner(stderr)
            if duration is None or Decimal(duration) > Decimal(str(at)):
                break  # not a matter of seeking past a short clip: try the other way in
    reason = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "no frame")
    raise InspectorError(VIDEO_FAILED, sha=sha, reason=reason[-300:])


def _video_thumbnail(vault: Vault, sha: str, media_type: str, max_px: int) -> Derived:
    from PIL import Image

    frame, duration = video_frame(vault, sha, max_px=max_px)
    try:
        with Image.open(io.BytesIO(frame)) as img:
            width, height = img.size
    except Exception as exc:  # noqa: BLE001
        raise InspectorError(VIDEO_FAILED, sha=sha, reason="ffmpeg returned no image") from exc
    data = _tag_jpeg(frame, _provenance(THUMBNAIL, _original_of(vault, sha)))
    return _store(vault, data, sha, THUMBNAIL, "image/jpeg", width=width, height=height, duration_s=duration)


# ----------------------------------------------------------------------------------------------
# Annotated copies


@dataclass(frozen=True)
class Arrow:
    start: tuple[float, float]
    end: tuple[float, float]
    color: str = "#e00000"
    width: int | None = None  # default: in proportion to the picture

    type = "arrow"


@dataclass(frozen=True)
class Box:
    rect: tuple[float, float, float, float]  # left, top, right, bottom
    color: str = "#e00000"
    width: int | None = None

    type = "box"


@dataclass(frozen=True)
class Text:
    at: tuple[float, float]  # top left corner of the text
    text: str
    color: str = "#e00000"
    size: int | None = None  # font size in pixels; default: in proportion to the picture

    type = "text"


Shape = Arrow | Box | Text
_SHAPES = {"arrow": Arrow, "box": Box, "text": Text}


def shape_to_dict(shape: Shape) -> dict:
    return {"type": shape.type, **asdict(shape)}


def _points(value: Any, n: int, index: int, what: str) -> tuple[float, ...]:
    try:
        pts = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise InspectorError(BAD_SHAPE, index=index, reason=f"{what} must be {n} numbers") from None
    if len(pts) != n or not all(math.isfinite(p) for p in pts):
        raise InspectorError(BAD_SHAPE, index=index, reason=f"{what} must be {n} numbers")
    return pts


def parse_shape(value: Any, index: int = 1) -> Shape:
    """A shape from its dict form ({"type": "arrow", "start": [x, y], "end": [x, y], ...})."""
    from PIL import ImageColor

    if isinstance(value, (Arrow, Box, Text)):
        value = shape_to_dict(value)
    if not isinstance(value, dict) or value.get("type") not in _SHAPES:
        raise InspectorError(BAD_SHAPE, index=index, reason="type must be arrow, box or text")
    kind = value["type"]
    color = value.get("color", "#e00000")
    try:
        ImageColor.getrgb(color)
    except (ValueError, AttributeError, TypeError):
        raise InspectorError(BAD_SHAPE, index=index, reason=f"unknown colour {color!r}") from None
    width = value.get("width")
    if width is not None and (not isinstance(width, int) or not 1 <= width <= 200):
        raise InspectorError(BAD_SHAPE, index=index, reason="width must be 1..200 pixels")
    if kind == "arrow":
        return Arrow(_points(value.get("start"), 2, index, "start"), _points(value.get("end"), 2, index, "end"),
                     color, width)
    if kind == "box":
        x0, y0, x1, y1 = _points(value.get("rect"), 4, index, "rect")
        return Box((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), color, width)
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InspectorError(BAD_SHAPE, index=index, reason="text is empty")
    size = value.get("size")
    if size is not None and (not isinstance(size, int) or not 4 <= size <= 1000):
        raise InspectorError(BAD_SHAPE, index=index, reason="size must be 4..1000 pixels")
    return Text(_points(value.get("at"), 2, index, "at"), text, color, size)


def _font(size: int, font_path: str | os.PathLike | None):
    from PIL import ImageFont

    for candidate in (font_path, CJK_FONT):
        if candidate and Path(candidate).is_file():
            try:
                return ImageFont.truetype(str(candidate), size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)  # no CJK glyphs, but never fails


def _draw(img, shapes: list[Shape], font_path) -> None:
    from PIL import ImageColor, ImageDraw

    draw = ImageDraw.Draw(img)
    base = max(2, round(min(img.size) / 150))
    for shape in shapes:
        rgb = ImageColor.getrgb(shape.color)[:3]
        if isinstance(shape, Box):
            draw.rectangle(shape.rect, outline=rgb, width=shape.width or base)
        elif isinstance(shape, Arrow):
            w = shape.width or base
            (x0, y0), (x1, y1) = shape.start, shape.end
            angle = math.atan2(y1 - y0, x1 - x0)
            head = max(4 * w, 12)
            left = (x1 - head * math.cos(angle - math.pi / 7), y1 - head * math.sin(angle - math.pi / 7))
            right = (x1 - head * math.cos(angle + math.pi / 7), y1 - head * math.sin(angle + math.pi / 7))
            shaft_end = (x1 - 0.8 * head * math.cos(angle), y1 - 0.8 * head * math.sin(angle))
            draw.line([(x0, y0), shaft_end], fill=rgb, width=w)
            draw.polygon([(x1, y1), left, right], fill=rgb)
        else:
            size = shape.size or max(12, round(min(img.size) / 20))
            font = _font(size, font_path)
            outline = (255, 255, 255) if sum(rgb) < 384 else (0, 0, 0)
            draw.text(shape.at, shape.text, fill=rgb, font=font, stroke_width=max(1, size // 12),
                      stroke_fill=outline)


def annotate(vault: Vault, sha: str, shapes: list, *, font_path: str | os.PathLike | None = None) -> Derived:
    """An annotated copy of a photo: arrows, boxes and text drawn on an upright copy (coordinates in
    pixels of the upright picture). The original is untouched; the copy points to it."""
    from PIL import ImageOps

    parsed = [parse_shape(s, i) for i, s in enumerate(shapes, 1)]
    if not parsed:
        raise InspectorError(NO_SHAPES, exit_code=2)
    media_type, kind, size = _head(vault, sha)
    if kind != media.PHOTO:
        raise InspectorError(CANNOT_ANNOTATE, sha=sha, media_type=media_type)
    img = _read_photo(vault, sha, media_type, size, CANNOT_ANNOTATE)
    with img:
        try:
            upright = _to_rgb(ImageOps.exif_transpose(img))
        except (OSError, ValueError, SyntaxError) as exc:
            raise InspectorError(CANNOT_ANNOTATE, sha=sha, media_type=media_type) from exc
    _draw(upright, parsed, font_path)
    out = io.BytesIO()
    provenance = _provenance(ANNOTATED, _original_of(vault, sha))
    if media_type == "image/png":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", provenance)
        upright.save(out, "PNG", pnginfo=info)
        data, out_type = out.getvalue(), "image/png"
    else:
        upright.save(out, "JPEG", quality=92)
        data, out_type = _tag_jpeg(out.getvalue(), provenance), "image/jpeg"
    return _store(vault, data, sha, ANNOTATED, out_type, width=upright.width, height=upright.height,
                  extra={"shapes": [shape_to_dict(s) for s in parsed]})
