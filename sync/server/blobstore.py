"""Where evidence originals live: a small interface, and the content-addressed folder behind it.

A blob is committed only from a temp file whose sha256 the caller has already verified
(``put_verified``); readers stream it (``open``). An S3-compatible store implements the same four
methods (put = multipart upload of the verified file, open = a streaming GET, exists = HEAD,
size = Content-Length), so the server runs unchanged on object storage.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol

from inspector_app.fsutil import fsync_dir


class BlobStore(Protocol):
    def put_verified(self, sha256: str, path: Path) -> bool:
        """Commit the file at ``path`` (already hashed to ``sha256`` by the caller) under that name.
        Consumes ``path``. Returns False when the blob was stored already (the file is discarded)."""

    def open(self, sha256: str) -> BinaryIO:
        """A binary reader of the blob; ``FileNotFoundError`` when absent."""

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...


class FolderBlobStore:
    """``root/ab/cd/abcd…`` — one file per blob, named by its sha256, written once."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_verified(self, sha256: str, path: Path) -> bool:
        target = self.path(sha256)
        if target.exists():
            Path(path).unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        try:
            os.replace(path, target)  # same file system: atomic
        except OSError:
            tmp = target.with_name(target.name + ".tmp")
            shutil.copyfile(path, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, target)
            Path(path).unlink(missing_ok=True)
        os.chmod(target, 0o440)
        fsync_dir(target.parent)
        return True

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size
