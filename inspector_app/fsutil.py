"""File-system helpers shared by the device and the server: atomic writes (a crash leaves the old
file or the new one, never half of either), durable renames, and writing behind a flusher."""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path


def atomic_write(target: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, os.replace, then fsync the folder so the rename lasts."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new name in ``path`` survive a power loss."""
    if os.name == "nt":  # directories cannot be opened for fsync on Windows; NTFS journals renames
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FlushBehind:
    """Keeps the disk writing while a large file is still being produced.

    The writer reports each write with ``wrote(n)``; every ``every`` bytes a background thread
    fdatasyncs the file and drops what is on disk from the page cache. The closing fsync then has
    almost nothing left to do, and a file of gigabytes does not push gigabytes of dirty pages
    through the cache (and out of it at fsync time, all at once). The thread works on its own
    duplicate of the descriptor, so ``stop()`` returns at once and the caller may close its own.
    Errors are left to the caller's final fsync, which reports them.
    """

    def __init__(self, fd: int, every: int):
        self.every = every
        self._unflushed = 0
        self._wake = threading.Event()
        self._done = False
        self._thread: threading.Thread | None = None
        if every:
            self._fd = os.dup(fd)
            self._thread = threading.Thread(target=self._loop, name="flush-behind", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        datasync = getattr(os, "fdatasync", os.fsync)
        fadvise = getattr(os, "posix_fadvise", None)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._done:
                    return
                try:
                    datasync(self._fd)
                    if fadvise is not None:  # the whole file: only clean pages go, not those being written
                        fadvise(self._fd, 0, 0, os.POSIX_FADV_DONTNEED)
                except OSError:
                    pass  # the caller's final fsync reports what matters
        finally:
            os.close(self._fd)

    def wrote(self, n: int) -> None:
        self._unflushed += n
        if self._thread is not None and self._unflushed >= self.every:
            self._unflushed = 0
            self._wake.set()

    def stop(self, *, wait: bool = True) -> None:
        """End the thread; ``wait=False`` lets a flush in progress finish on its own."""
        if self._thread is not None:
            self._done = True
            self._wake.set()
            if wait:
                self._thread.join()
            self._thread = None
