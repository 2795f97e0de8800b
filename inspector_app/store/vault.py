"""The evidence vault: every original stored once, named by the SHA-256 of its bytes, encrypted.

Layout of ``<data>/vault/`` (docs/vault-format.md)::

    VAULT                 {"format": "inspector-vault", "version": 1, "key_id": "<16 hex>"}
    objects/ab/ab12…ef    one encrypted file per object (crypto/stream.py format), named by the
                          sha256 of the plaintext, which is also bound into its last chunk
    meta/ab/ab12…ef       encrypted JSON about a derived object (derived_from, kind, …)
    tmp/                  files being written; every one is encrypted from its first byte, and
                          leftovers of a crash are removed when the vault is opened

Writing an object (``put_file``): one pass over the source reads it, hashes it and encrypts it
into a temp file in ``tmp/`` (hashing on this thread, encrypting and writing on a second one), then
fsync, rename to ``objects/<sha[:2]>/<sha>`` and fsync of the folder. An object that already exists
is not written again (the temp file is dropped). Nothing is ever renamed under an object name before
it is complete and on disk, so a crash at any moment leaves either the whole object or none; the
caller may acknowledge an import as soon as ``put_file`` returns. Plaintext never touches the disk.

The vault does no locking between writers beyond what renames give: the app funnels all writes
through one writer (DESIGN.md §3). Temp files are locked while written (POSIX), so opening the vault
in a second process does not delete another process's work in progress.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector_app.crypto import stream
from inspector_app.domain import media
from inspector_app.domain.messages import InspectorError, define, render
from inspector_app.fsutil import FlushBehind, fsync_dir

try:
    import fcntl
except ImportError:  # Windows: open files cannot be deleted there, which protects temps instead
    fcntl = None  # type: ignore[assignment]

FORMAT = "inspector-vault"
VERSION = 1
SHA_RE = re.compile(r"[0-9a-f]{64}")
# Every FLUSH_EVERY bytes written, a flusher thread fdatasyncs the temp file and drops what is on
# disk from the page cache: the disk writes while the source is still being hashed, the final fsync
# has almost nothing left to do, and a 4 GiB import does not push 4 GiB through the page cache.
# Measured with bench/vault.py: about 0.85x raw sha256 with it, 0.4-0.55x without.
FLUSH_EVERY = 16 << 20

DISK_FULL = define(
    "vault.disk_full",
    "磁盘空间不足，无法写入 {path}；已导入的证据完好，请腾出空间后重试",
    "The disk is full, cannot write {path}; evidence already imported is intact. Free some space and retry",
)
WRITE_ERROR = define(
    "vault.write_error",
    "无法写入 {path}：{reason}",
    "Cannot write {path}: {reason}",
)
MISSING_OBJECT = define(
    "vault.missing",
    "证据库中没有证据 {sha}",
    "The vault holds no evidence {sha}",
)
HASH_MISMATCH = define(
    "vault.hash_mismatch",
    "证据 {sha} 的内容与其哈希值不符（实际为 {actual}），内容不可信",
    "Evidence {sha} does not match its hash (its content hashes to {actual}); it cannot be trusted",
)
CANCELLED = define(
    "vault.cancelled",
    "已取消导入 {file}",
    "Import of {file} cancelled",
)
NOT_A_VAULT = define(
    "vault.not_a_vault",
    "{path} 不是证据库文件夹",
    "{path} is not an evidence vault folder",
)
IMPORT_FAILED = define(
    "evidence.import_failed",
    "导入 {file} 失败：{reason}",
    "Importing {file} failed: {reason}",
)

# Folders of removable drives that hold the system's bookkeeping, never evidence.
SYSTEM_FOLDERS = {"System Volume Information", "$RECYCLE.BIN", "RECYCLER", ".Trashes", ".Spotlight-V100",
                  ".fseventsd", "LOST.DIR", ".TemporaryItems"}


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    created: bool  # False when the vault held this object already


@dataclass(frozen=True)
class ImportProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: str | None


@dataclass
class FileResult:
    path: str
    status: str  # imported | duplicate | skipped | failed | cancelled
    sha256: str | None = None
    size: int | None = None
    code: str | None = None
    params: dict = field(default_factory=dict)
    info: media.MediaInfo | None = None

    def text(self, lang: str = "zh") -> str | None:
        """The reason a file was skipped or failed, for a person."""
        return render(self.code, lang, **self.params) if self.code else None


@dataclass
class ImportReport:
    root: str
    results: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    def with_status(self, *statuses: str) -> list[FileResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def imported(self) -> list[FileResult]:
        return self.with_status("imported", "duplicate")

    @property
    def skipped(self) -> list[FileResult]:
        return self.with_status("skipped")

    @property
    def failed(self) -> list[FileResult]:
        return self.with_status("failed")


def _is_cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


def _write_error(exc: OSError, path: Path | str) -> InspectorError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return InspectorError(DISK_FULL, path=str(path))
    return InspectorError(WRITE_ERROR, path=str(path), reason=exc.strerror or str(exc))


class _Source:
    """A source file whose read errors name the file (a pulled drive gives EIO)."""

    def __init__(self, f: Any, name: str):
        self._f = f
        self.name = name

    def readinto(self, buf) -> int:
        try:
            return self._f.readinto(buf)
        except OSError as exc:
            raise InspectorError(media.UNREADABLE, file=self.name, reason=exc.strerror or str(exc)) from None

    def read(self, n: int = -1) -> bytes:
        try:
            return self._f.read(n)
        except OSError as exc:
            raise InspectorError(media.UNREADABLE, file=self.name, reason=exc.strerror or str(exc)) from None


class _Sink:
    """Writes to a file descriptor; write errors become vault.* errors. Large files are written
    behind a flusher (see FLUSH_EVERY)."""

    def __init__(self, fd: int, path: Path, flush_every: int):
        self.fd = fd
        self.path = path
        self._behind = FlushBehind(fd, flush_every)

    def write(self, data) -> int:
        try:
            n = os.write(self.fd, data)
        except OSError as exc:
            raise _write_error(exc, self.path) from None
        self._behind.wrote(n)
        return n

    def stop(self) -> None:
        self._behind.stop()


class Vault:
    """The evidence vault in folder ``root`` (normally ``<data>/vault``), opened with the vault key."""

    def __init__(self, root: str | os.PathLike, vault_key: bytes, *, chunk_size: int = stream.DEFAULT_CHUNK_SIZE,
                 flush_every: int = FLUSH_EVERY):
        self.root = Path(root)
        self._key = bytes(vault_key)
        if len(self._key) != stream.KEY_LEN:
            raise ValueError("the vault key must be 32 bytes")
        self.chunk_size = chunk_size
        self.flush_every = flush_every
        self.objects_dir = self.root / "objects"
        self.meta_dir = self.root / "meta"
        self.tmp_dir = self.root / "tmp"
        self._open_marker()
        for d in (self.objects_dir, self.meta_dir, self.tmp_dir):
            d.mkdir(mode=0o700, exist_ok=True)
        self.cleanup_temps()

    # -- the folder ---------------------------------------------------------------------------

    def _open_marker(self) -> None:
        marker = self.root / "VAULT"
        kid = stream.key_id(self._key).hex()
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if self.root.exists() and any(self.root.iterdir()):
                if not self.objects_dir.is_dir():
                    raise InspectorError(NOT_A_VAULT, path=str(self.root)) from None
                # The marker was lost: rewrite it only if the objects are under this key.
                first = next(self.iter_objects(), None)
                if first is not None:
                    with open(self.object_path(first), "rb") as f:
                        head = f.read(stream.HEADER_LEN)
                    if head[20:28] != stream.key_id(self._key):
                        raise InspectorError(stream.WRONG_KEY, file=str(self.root)) from None
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            body = json.dumps({"format": FORMAT, "version": VERSION, "key_id": kid}, indent=1).encode()
            self._atomic_write(marker, body)
            return
        except (OSError, ValueError):
            raise InspectorError(NOT_A_VAULT, path=str(self.root)) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InspectorError(NOT_A_VAULT, path=str(self.root))
        if data.get("version") != VERSION:
            raise InspectorError(stream.UNKNOWN_VERSION, file=str(marker), version=data.get("version"))
        if data.get("key_id") != kid:
            raise InspectorError(stream.WRONG_KEY, file=str(self.root))

    def _atomic_write(self, dest: Path, body: bytes) -> None:
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(body)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise _write_error(exc, dest) from None
            os.replace(tmp, dest)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        fsync_dir(dest.parent)

    def object_path(self, sha: str) -> Path:
        return self.objects_dir / sha[:2] / sha

    def _meta_path(self, sha: str) -> Path:
        return self.meta_dir / sha[:2] / sha

    def _new_temp(self) -> tuple[int, Path]:
        """An exclusive, locked, empty temp file in tmp/ (same file system as objects/)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            path = self.tmp_dir / f"{secrets.token_hex(8)}.part"
            try:
                fd = os.open(path, flags, 0o600)
            except FileExistsError:
                continue
            except OSError as exc:
                raise _write_error(exc, self.tmp_dir) from None
            if fcntl is None:
                return fd, path
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink > 0:
                return fd, path
            os.close(fd)  # a concurrent cleanup_temps removed it before we held the lock

    def cleanup_temps(self) -> int:
        """Remove temp files left by a crash; returns how many. Files another process is writing
        (locked) are left alone."""
        removed = 0
        try:
            entries = list(os.scandir(self.tmp_dir))
        except FileNotFoundError:
            return 0
        for entry in entries:
            path = Path(entry.path)
            if fcntl is None:
                try:
                    os.remove(path)
                    removed += 1
                except OSError:
                    pass  # in use (Windows refuses) or already gone
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # being written right now
                try:
                    os.remove(path)
                    removed += 1
                except OSError:
                    pass
            finally:
                os.close(fd)
        return removed

    # -- writing ------------------------------------------------------------------------------

    def put_file(self, path: str | os.PathLike, *, cancel: Any = None,
                 on_progress: Callable[[int, int], object] | None = None) -> PutResult:
        """Store a file: one pass hashes and encrypts it. ``cancel`` is a callable or an Event
        checked between chunks; ``on_progress(bytes_done, bytes_total)`` is called per chunk."""
        name = str(path)
        try:
            f = media.open_regular(path)
        except FileNotFoundError:
            raise InspectorError(media.MISSING, file=name) from None
        except IsADirectoryError:
            raise InspectorError(media.NOT_A_FILE, file=name) from None
        except OSError as exc:
            raise InspectorError(media.UNREADABLE, file=name, reason=exc.strerror or str(exc)) from None
        with f:
            st = os.fstat(f.fileno())
            if st.st_size == 0:
                raise InspectorError(media.EMPTY, file=name)
            return self._store(_Source(f, name), st.st_size, name, cancel, on_progress)

    def put_bytes(self, data: bytes, *, name: str = "<bytes>") -> PutResult:
        """Store bytes held in memory (derived files)."""
        data = bytes(data)
        if not data:
            raise InspectorError(media.EMPTY, file=name)
        return self._store(io.BytesIO(data), len(data), name, None, None)

    def _store(self, reader: Any, size: int, name: str, cancel: Any,
               on_progress: Callable[[int, int], object] | None) -> PutResult:
        hasher = hashlib.sha256()
        done = 0

        def on_plain(chunk: memoryview) -> None:
            nonlocal done
            hasher.update(chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, size)
            if _is_cancelled(cancel):
                raise InspectorError(CANCELLED, file=name)

        if _is_cancelled(cancel):
            raise InspectorError(CANCELLED, file=name)
        fd, tmp = self._new_temp()
        closed = False
        try:
            sink = _Sink(fd, tmp, self.flush_every if size > 2 * self.flush_every else 0)
            try:
                stream.encrypt_stream(reader, sink, self._key, on_plain=on_plain, bind=hasher.digest, size=size,
                                      chunk_size=self.chunk_size, name=name)
            finally:
                sink.stop()
            try:
                os.fsync(fd)
            except OSError as exc:  # delayed allocation can report a full disk only here
                raise _write_error(exc, self.root) from None
            sha = hasher.hexdigest()
            if os.name == "nt":  # Windows cannot rename a file that is open
                os.close(fd)
                closed = True
            created = self._commit(tmp, sha)
        except BaseException:
            if not closed:
                os.close(fd)
                closed = True
            _unlink_quietly(tmp)
            raise
        finally:
            if not closed:
                os.close(fd)
        return PutResult(sha, size, created)

    def _commit(self, tmp: Path, sha: str) -> bool:
        dest = self.object_path(sha)
        if dest.exists():
            _unlink_quietly(tmp)
            return False
        try:
            if not dest.parent.is_dir():
                dest.parent.mkdir(mode=0o700, exist_ok=True)
                fsync_dir(self.objects_dir)
            os.replace(tmp, dest)
            fsync_dir(dest.parent)
        except OSError as exc:
            raise _write_error(exc, dest) from None
        return True

    # -- reading ------------------------------------------------------------------------------

    def _existing(self, sha: str) -> Path:
        sha = str(sha).strip().lower()
        path = self.object_path(sha)
        if not SHA_RE.fullmatch(sha) or not path.is_file():
            raise InspectorError(MISSING_OBJECT, sha=sha)
        return path

    def has(self, sha: str) -> bool:
        sha = str(sha).strip().lower()
        return bool(SHA_RE.fullmatch(sha)) and self.object_path(sha).is_file()

    def open(self, sha: str, *, direct: bool = False) -> stream.DecryptingReader:
        """A seekable, streaming reader of the original bytes. Its length and last chunk (which binds
        the sha256) are checked on opening; a damaged chunk raises when it is read. ``direct`` is for
        reading a whole object once, start to end (an upload): past the page cache where the
        platform allows."""
        path = self._existing(sha)
        return stream.open_decrypting(path, self._key, bind=bytes.fromhex(path.name), direct=direct)

    def size(self, sha: str) -> int:
        with self.open(sha) as r:
            return r.size

    def verify(self, sha: str) -> int:
        """Decrypt the whole object and re-hash it; returns its size or raises (vault.tampered,
        vault.truncated, vault.hash_mismatch, …)."""
        path = self._existing(sha)
        hasher = hashlib.sha256()
        with open(path, "rb", buffering=0) as f:
            size = stream.decrypt_stream(f, hasher.update, self._key, bind=bytes.fromhex(path.name), name=str(path))
        if hasher.hexdigest() != path.name:
            raise InspectorError(HASH_MISMATCH, sha=path.name, actual=hasher.hexdigest())
        return size

    def export(self, sha: str, dest_path: str | os.PathLike) -> int:
        """Write the original to ``dest_path`` atomically: decrypted into a temp file beside it,
        re-hashed, fsynced and renamed only if every chunk authenticated and the hash matches."""
        path = self._existing(sha)
        dest = Path(dest_path)
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
        hasher = hashlib.sha256()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise _write_error(exc, dest) from None
        try:
            with os.fdopen(fd, "wb", buffering=0) as out:
                def sink(chunk: memoryview) -> None:
                    hasher.update(chunk)
                    try:
                        stream.write_all(out, chunk)
                    except OSError as exc:
                        raise _write_error(exc, dest) from None

                with open(path, "rb", buffering=0) as f:
                    size = stream.decrypt_stream(f, sink, self._key, bind=bytes.fromhex(path.name), name=str(path))
                if hasher.hexdigest() != path.name:
                    raise InspectorError(HASH_MISMATCH, sha=path.name, actual=hasher.hexdigest())
                try:
                    os.fsync(out.fileno())
                except OSError as exc:
                    raise _write_error(exc, dest) from None
            try:
                os.replace(tmp, dest)
            except OSError as exc:
                raise _write_error(exc, dest) from None
        except BaseException:
            _unlink_quietly(tmp)
            raise
        fsync_dir(dest.parent)
        return size

    def iter_objects(self) -> Iterator[str]:
        """The sha256 of every object, in order."""
        if not self.objects_dir.is_dir():
            return
        for prefix in sorted(os.listdir(self.objects_dir)):
            folder = self.objects_dir / prefix
            if len(prefix) != 2 or not folder.is_dir():
                continue
            for name in sorted(os.listdir(folder)):
                if SHA_RE.fullmatch(name) and name[:2] == prefix:
                    yield name

    # -- metadata of derived objects -------------------------------------------------------------

    def put_meta(self, sha: str, meta: dict) -> None:
        """Attach small JSON metadata to an object, encrypted (it can hold times and places)."""
        sha = str(sha).lower()
        if not SHA_RE.fullmatch(sha):
            raise ValueError("not a sha256")
        body = json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8")
        blob = stream.encrypt_bytes(body, self._key, bind=b"meta:" + bytes.fromhex(sha))
        dest = self._meta_path(sha)
        dest.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = self._new_temp()
        try:
            try:
                stream.write_all(_Sink(fd, tmp, 0), blob)
                os.fsync(fd)
            except OSError as exc:
                raise _write_error(exc, dest) from None
            finally:
                os.close(fd)
            os.replace(tmp, dest)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        fsync_dir(dest.parent)

    def get_meta(self, sha: str) -> dict | None:
        sha = str(sha).lower()
        if not SHA_RE.fullmatch(sha):
            return None
        path = self._meta_path(sha)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        body = stream.decrypt_bytes(blob, self._key, bind=b"meta:" + bytes.fromhex(sha), name=str(path))
        return json.loads(body)

    # -- importing media ------------------------------------------------------------------------

    def import_file(self, path: str | os.PathLike, *, cancel: Any = None,
                    on_progress: Callable[[int, int], object] | None = None) -> tuple[PutResult, media.MediaInfo]:
        """Classify a file (refusing non-media, empty and corrupt files) and store it."""
        info = media.probe(path)
        result = self.put_file(path, cancel=cancel, on_progress=on_progress)
        if result.size != info.size:  # the file changed between the probe and the import
            info = media.MediaInfo(**{**info.to_dict(), "size": result.size})
        return result, info

    def import_folder(self, root: str | os.PathLike, *, on_progress: Callable[[ImportProgress], object] | None = None,
                      cancel: Any = None) -> ImportReport:
        """Import every media file under ``root`` (a folder, or a body cam's drive), recursively.

        Each file gets a result; one failing file does not stop the others. Non-media files are
        skipped with the reason. ``cancel`` stops after the current chunk; the file being imported
        then is reported as cancelled and later files are not listed.
        """
        root_path = Path(root)
        if not root_path.is_dir():
            if not root_path.exists():
                raise InspectorError(media.MISSING, file=str(root_path))
            raise InspectorError(media.NOT_A_FILE, file=str(root_path))
        report = ImportReport(str(root_path))
        files, walk_errors = self._list_files(root_path)
        report.results.extend(walk_errors)
        sizes = []
        for p in files:
            try:
                sizes.append(p.stat().st_size)
            except OSError:
                sizes.append(0)
        total_bytes = sum(sizes)
        bytes_before = 0

        def progress(done_files: int, current: str | None, within: int = 0) -> None:
            if on_progress is not None:
                on_progress(ImportProgress(done_files, len(files), bytes_before + within, total_bytes, current))

        for i, p in enumerate(files):
            if _is_cancelled(cancel):
                report.cancelled = True
                break
            progress(i, str(p))
            result = self._import_one(p, cancel, lambda d, t, i=i, p=p: progress(i, str(p), d))
            report.results.append(result)
            bytes_before += sizes[i]
            if result.status == "cancelled":
                report.cancelled = True
                break
        progress(len(report.results) - len(walk_errors), None)
        return report

    def _import_one(self, path: Path, cancel: Any, on_bytes: Callable[[int, int], object]) -> FileResult:
        name = str(path)
        try:
            put, info = self.import_file(path, cancel=cancel, on_progress=on_bytes)
        except InspectorError as exc:
            status = ("skipped" if exc.code == media.NOT_MEDIA else
                      "cancelled" if exc.code == CANCELLED else "failed")
            return FileResult(name, status, code=exc.code, params=dict(exc.params))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop a drive's import
            return FileResult(name, "failed", code=IMPORT_FAILED,
                              params={"file": name, "reason": f"{type(exc).__name__}: {exc}"})
        return FileResult(name, "imported" if put.created else "duplicate", sha256=put.sha256, size=put.size,
                          info=info)

    def _list_files(self, root: Path) -> tuple[list[Path], list[FileResult]]:
        files: list[Path] = []
        errors: list[FileResult] = []
        own = os.path.realpath(self.root)

        def onerror(exc: OSError) -> None:
            name = str(exc.filename or root)
            errors.append(FileResult(name, "failed", code=media.UNREADABLE,
                                     params={"file": name, "reason": exc.strerror or str(exc)}))

        for folder, dirs, names in os.walk(root, onerror=onerror):
            dirs[:] = sorted(d for d in dirs if d not in SYSTEM_FOLDERS
                             and os.path.realpath(os.path.join(folder, d)) != own)
            for n in sorted(names):
                files.append(Path(folder) / n)
        return files, errors


def _unlink_quietly(path: Path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
