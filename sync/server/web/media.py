"""Evidence in the browser: originals streamed from the blob store with HTTP Range (so a <video>
seeks without loading the clip whole), and photo thumbnails made with Pillow on first request and
cached under DATA_DIR/web-cache/thumbs/ (derived files, safe to delete)."""
from __future__ import annotations

import io
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from starlette.responses import Response, StreamingResponse

BLOCK = 256 * 1024
THUMB_SIZES = {"s": 240, "m": 960}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_LOCK = threading.Lock()


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single satisfiable range; None to send everything (no header,
    several ranges, or a syntax we ignore, as RFC 9110 allows); RangeNotSatisfiable when past the end."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m:
        return None
    first, last = m.group(1), m.group(2)
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable()
    return start, min(end, size - 1)


def _chunks(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        left = length
        while left > 0:
            block = handle.read(min(BLOCK, left))
            if not block:
                break
            left -= len(block)
            yield block


def stream(blobs, sha256: str, size: int, media_type: str, range_header: str | None, *, filename: str = "") -> Response:
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha256}"', "Cache-Control": "private, max-age=3600",
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
    if filename:
        from .export import disposition

        headers["Content-Disposition"] = disposition(filename, "evidence").replace("attachment", "inline", 1)
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    handle = blobs.open(sha256)
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(_chunks(handle, 0, size), media_type=media_type, headers=headers)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    return StreamingResponse(_chunks(handle, first, last - first + 1), status_code=206, media_type=media_type,
                             headers=headers)


def thumbnail(blobs, cache_dir: Path, sha256: str, size_key: str) -> bytes | None:
    """JPEG thumbnail bytes of an image blob (cached); None when the blob is not a readable image."""
    from PIL import Image, ImageOps

    edge = THUMB_SIZES[size_key]
    path = Path(cache_dir) / sha256[:2] / f"{sha256}-{edge}.jpg"
    if path.exists():
        return path.read_bytes()
    try:
        with blobs.open(sha256) as f:
            image = Image.open(f)
            if image.width * image.height > 80_000_000:
                return None
            image = ImageOps.exif_transpose(image)
            image.thumbnail((edge, edge))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82)
    except Exception:  # not an image Pillow can read (or a truncated one)
        return None
    data = out.getvalue()
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return data
