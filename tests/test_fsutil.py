"""Writing behind a flusher (the vault's imports and the server's uploads) and durable renames."""
from __future__ import annotations

import os
import threading

from inspector_app.fsutil import FlushBehind, atomic_write, fsync_dir


def _flushers() -> int:
    return sum(t.name == "flush-behind" for t in threading.enumerate())


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


def test_a_file_written_behind_a_flusher_is_whole_and_the_thread_ends(tmp_path):
    path = tmp_path / "big.bin"
    pieces = [os.urandom(256 * 1024) for _ in range(40)]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    behind = FlushBehind(fd, 1024 * 1024)
    assert _flushers() >= 1
    for piece in pieces:
        os.write(fd, piece)
        behind.wrote(len(piece))
    behind.stop()
    os.write(fd, b"tail")  # the caller's descriptor is its own: still open after stop()
    os.fsync(fd)
    os.close(fd)
    assert path.read_bytes() == b"".join(pieces) + b"tail"
    assert _flushers() == 0


def test_stop_without_waiting_leaves_the_callers_descriptor_to_the_caller(tmp_path):
    """The flusher works on a duplicate: the caller may close its descriptor at once (the server
    closes the part file as soon as a PATCH ends) and nothing leaks once the flush finishes."""
    before = _open_fds()
    for n in range(5):
        fd = os.open(tmp_path / f"part-{n}", os.O_WRONLY | os.O_CREAT, 0o600)
        behind = FlushBehind(fd, 64 * 1024)
        for _ in range(8):
            behind.wrote(os.write(fd, os.urandom(64 * 1024)))
        behind.stop(wait=False)
        os.close(fd)
    for t in [t for t in threading.enumerate() if t.name == "flush-behind"]:
        t.join(10)
    assert _flushers() == 0
    assert _open_fds() == before
    assert all((tmp_path / f"part-{n}").stat().st_size == 8 * 64 * 1024 for n in range(5))


def test_no_flusher_below_its_threshold(tmp_path):
    fd = os.open(tmp_path / "small", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        behind = FlushBehind(fd, 0)
        behind.wrote(os.write(fd, b"x" * 1000))
        assert _flushers() == 0
        behind.stop()
    finally:
        os.close(fd)


def test_atomic_write_replaces_whole_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "settings.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    fsync_dir(target.parent)
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["settings.json"]
