"""Streaming authenticated encryption of evidence files (format ``INSPVLT`` version 1).

Why this construction
---------------------
The vault encrypts with the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár
("Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), the one
age and Tink's streaming AEAD use, instantiated with AES-256-GCM from ``cryptography``:

* AES-GCM with AES-NI is the fastest AEAD available here (about 10 GB/s per core, against about
  1.6 GB/s for SHA-256), so encrypting costs little next to the hash the vault computes anyway and an
  import can keep pace with ``hashlib.sha256``;
* STREAM authenticates every chunk *and its position*: the nonce carries the chunk counter and a
  "last chunk" flag, so reordered, dropped, duplicated or appended chunks and a truncated file all
  fail authentication, which plain per-chunk AES-GCM would not catch;
* it needs no dependency beyond ``cryptography``, which the project already ships, and it is
  written once, here, and documented byte for byte in ``docs/vault-format.md``.

Layout (all integers big-endian)::

    offset size  field
    0      7     magic b"INSPVLT"
    7      1     format version (1)
    8      4     chunk size in bytes (plaintext per chunk; 1 MiB by default)
    12     8     plaintext length, or 2**64-1 when it was not known in advance
    20     8     key id: SHA-256(b"INSPVLT key id\\0" || vault key)[:8]
    28     7     nonce prefix, random per file
    35     12    nonce of the wrapped file key
    47     48    the file key (32 random bytes) encrypted with AES-256-GCM under the vault key,
                 associated data = bytes 0..47 of this header
    95     ...   chunks: AES-256-GCM(file key, nonce, plaintext chunk, associated data) = ct || tag(16)

    nonce(i)        = nonce prefix (7) || i as 4 bytes || 0x01 for the last chunk, else 0x00
    associated data = the whole 95-byte header, and for the last chunk also the optional
                      *binding* (the vault passes the 32-byte SHA-256 of the plaintext, so that an
                      object file renamed to another object's name fails authentication)

Every chunk but the last holds exactly ``chunk size`` plaintext bytes; the last holds 0 to
``chunk size`` bytes and there is always one (an empty input is a single empty last chunk).

Guarantees and what the caller must do
--------------------------------------
Decryption works chunk by chunk and never releases plaintext of a chunk that did not
authenticate (a failed chunk's buffer is wiped before the error is raised). But a streaming
consumer receives the chunks that did authenticate *before* an error in a later chunk, or a
missing end, is discovered: whoever writes decrypted output somewhere must treat the whole output
as invalid when decryption raises (``Vault.export`` writes to a temp file and renames it only on
success). When the plaintext length is in the header (every vault object), truncation is told apart
from tampering exactly; ``DecryptingReader`` on a seekable file also authenticates the last chunk as
soon as it is opened, so a truncated, extended or renamed object fails before any byte is read.
"""
from __future__ import annotations

import errno
import hashlib
import io
import mmap
import os
import queue
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from inspector_app.domain.messages import InspectorError, define

MAGIC = b"INSPVLT"
VERSION = 1
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 64 << 20
UNKNOWN_SIZE = 2**64 - 1
TAG_LEN = 16
KEY_LEN = 32
MAX_CHUNKS = 2**32  # the counter is 4 bytes

_HEADER = struct.Struct(">7sBIQ8s7s12s48s")
HEADER_LEN = _HEADER.size  # 95
_WRAP_AAD_LEN = 47  # header bytes authenticated by the key wrap: everything before the wrapped key

BAD_HEADER = define(
    "vault.bad_header",
    "{file} 不是证据库加密文件，或其文件头已损坏",
    "{file} is not an evidence-vault file, or its header is damaged",
)
UNKNOWN_VERSION = define(
    "vault.unknown_version",
    "{file} 使用了未知的证据库格式版本 {version}，请升级本软件",
    "{file} uses an unknown evidence-vault format version {version}; upgrade this software",
)
TRUNCATED = define(
    "vault.truncated",
    "证据文件 {file} 不完整（在第 {offset} 字节处被截断），内容不可信",
    "Evidence file {file} is truncated (cut at byte {offset}); its content cannot be trusted",
)
TAMPERED = define(
    "vault.tampered",
    "证据文件 {file} 已被改动或损坏（第 {offset} 字节起的数据未通过校验），内容不可信",
    "Evidence file {file} was altered or damaged (data at byte {offset} failed authentication); "
    "its content cannot be trusted",
)
WRONG_KEY = define(
    "vault.wrong_key",
    "证据文件 {file} 不是用本证据库的密钥加密的（或其文件头被改动）",
    "Evidence file {file} was not encrypted with this vault's key (or its header was altered)",
)
SOURCE_CHANGED = define(
    "vault.source_changed",
    "文件 {file} 在读取过程中发生了变化（应为 {expected} 字节，读到 {actual} 字节），未保存",
    "File {file} changed while it was being read ({expected} bytes expected, {actual} read); "
    "nothing was stored",
)
TOO_LARGE = define(
    "vault.too_large",
    "文件 {file} 太大，无法加密保存",
    "File {file} is too large to be encrypted",
)


def key_id(vault_key: bytes) -> bytes:
    """8 bytes that tell which vault key a file was encrypted with, without revealing the key."""
    return hashlib.sha256(b"INSPVLT key id\0" + bytes(vault_key)).digest()[:8]


def _check_key(vault_key: bytes) -> bytes:
    vault_key = bytes(vault_key)
    if len(vault_key) != KEY_LEN:
        raise ValueError("the vault key must be 32 bytes")
    return vault_key


def _name_of(obj: Any, name: str | None) -> str:
    if name is not None:
        return str(name)
    n = getattr(obj, "name", None)
    return str(n) if isinstance(n, (str, os.PathLike)) else "<stream>"


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def read_full(reader: Any, buf: memoryview) -> int:
    """Fill ``buf`` from ``reader`` unless the end comes first; returns the bytes read."""
    total = 0
    want = len(buf)
    readinto = getattr(reader, "readinto", None)
    while total < want:
        if readinto is not None:
            n = readinto(buf[total:])
        else:
            data = reader.read(want - total)
            n = len(data)
            buf[total:total + n] = data
        if n is None:  # non-blocking stream with nothing yet: not supported, treat as no progress
            raise BlockingIOError("non-blocking streams are not supported")
        if n == 0:
            break
        total += n
    return total


def write_all(writer: Any, data: memoryview | bytes) -> None:
    """Write all of ``data``, looping over the short writes raw files may do."""
    view = memoryview(data)
    while view:
        n = writer.write(view)
        if n is None or n >= len(view):  # buffered writers write everything or raise
            return
        view = view[n:]


@dataclass(frozen=True)
class Header:
    """A parsed and authenticated file header."""

    version: int
    chunk_size: int
    size: int | None  # plaintext length, None when unknown
    nonce_prefix: bytes
    raw: bytes  # the 95 header bytes: associated data of every chunk

    @property
    def chunk_count(self) -> int | None:
        if self.size is None:
            return None
        return max(1, -(-self.size // self.chunk_size))

    def chunk_offset(self, index: int) -> int:
        return HEADER_LEN + index * (self.chunk_size + TAG_LEN)

    def ciphertext_length(self) -> int | None:
        """The total file length this header announces."""
        if self.size is None:
            return None
        return HEADER_LEN + self.size + self.chunk_count * TAG_LEN


def _new_header(vault_key: bytes, chunk_size: int, size: int | None) -> tuple[Header, AESGCM]:
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE}")
    file_key = AESGCM.generate_key(bit_length=256)
    prefix = os.urandom(7)
    wrap_nonce = os.urandom(12)
    declared = UNKNOWN_SIZE if size is None else size
    core = struct.pack(">7sBIQ8s7s12s", MAGIC, VERSION, chunk_size, declared, key_id(vault_key), prefix,
                       wrap_nonce)
    wrapped = AESGCM(vault_key).encrypt(wrap_nonce, file_key, core)
    raw = core + wrapped
    assert len(raw) == HEADER_LEN
    return Header(VERSION, chunk_size, size, prefix, raw), AESGCM(file_key)


def parse_header(raw: bytes, vault_key: bytes, name: str) -> tuple[Header, AESGCM]:
    """Check a header and unwrap its file key. ``raw`` is what could be read of the first 95 bytes."""
    vault_key = _check_key(vault_key)
    if len(raw) < len(MAGIC) + 1 or raw[:len(MAGIC)] != MAGIC:
        if len(raw) < len(MAGIC) + 1 and MAGIC.startswith(raw):  # nothing, or a cut magic
            raise InspectorError(TRUNCATED, file=name, offset=len(raw))
        raise InspectorError(BAD_HEADER, file=name)
    version = raw[len(MAGIC)]
    if version != VERSION:
        raise InspectorError(UNKNOWN_VERSION, file=name, version=version)
    if len(raw) < HEADER_LEN:
        raise InspectorError(TRUNCATED, file=name, offset=len(raw))
    _, _, chunk_size, declared, kid, prefix, wrap_nonce, wrapped = _HEADER.unpack(raw[:HEADER_LEN])
    size = None if declared == UNKNOWN_SIZE else declared
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise InspectorError(BAD_HEADER, file=name)
    if size is not None and max(1, -(-size // chunk_size)) > MAX_CHUNKS:
        raise InspectorError(BAD_HEADER, file=name)
    if kid != key_id(vault_key):
        raise InspectorError(WRONG_KEY, file=name)
    try:
        file_key = AESGCM(vault_key).decrypt(wrap_nonce, wrapped, raw[:_WRAP_AAD_LEN])
    except InvalidTag:
        raise InspectorError(TAMPERED, file=name, offset=0) from None
    return Header(version, chunk_size, size, prefix, bytes(raw[:HEADER_LEN])), AESGCM(file_key)


# ----------------------------------------------------------------------------------------------
# Encryption


class _Sealer:
    """Encrypts numbered chunks and writes them, inline or on a worker thread.

    The threaded form lets the caller's thread read and hash (both release the GIL for large
    buffers) while this thread encrypts and writes the previous chunks. Buffers circulate through
    ``free`` so memory stays bounded by ``depth`` chunks whatever the file size.
    """

    def __init__(self, aead: AESGCM, header: Header, writer: Any, free: queue.Queue, buf_len: int,
                 threaded: bool, depth: int):
        self.aead = aead
        self.header = header
        self.writer = writer
        self.free = free
        self.out = bytearray(buf_len + TAG_LEN)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if threaded:
            self.work: queue.Queue = queue.Queue(maxsize=depth)
            self.thread = threading.Thread(target=self._run, name="vault-seal", daemon=True)
            self.thread.start()

    def _seal(self, index: int, buf: bytearray, n: int, last: bool, binding: bytes) -> None:
        aad = self.header.raw + binding if last else self.header.raw
        out = memoryview(self.out)[:n + TAG_LEN]
        self.aead.encrypt_into(_nonce(self.header.nonce_prefix, index, last), memoryview(buf)[:n], aad, out)
        write_all(self.writer, out)

    def _run(self) -> None:
        while True:
            item = self.work.get()
            if item is None:
                return
            index, buf, n, last, binding = item
            try:
                if self.error is None:
                    self._seal(index, buf, n, last, binding)
            except BaseException as exc:  # handed to the producer thread, which re-raises it
                self.error = exc
            finally:
                self.free.put(buf)

    def submit(self, index: int, buf: bytearray, n: int, last: bool, binding: bytes) -> None:
        if self.thread is None:
            try:
                self._seal(index, buf, n, last, binding)
            finally:
                self.free.put(buf)
        else:
            if self.error is not None:
                self.free.put(buf)
                raise self.error
            self.work.put((index, buf, n, last, binding))

    def finish(self) -> None:
        if self.thread is not None:
            self.work.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            raise self.error


def encrypt_stream(reader: BinaryIO, writer: BinaryIO, vault_key: bytes, *,
                   on_plain: Callable[[memoryview], object] | None = None,
                   bind: Callable[[], bytes] | bytes | None = None,
                   size: int | None = None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE,
                   threaded: bool | None = None,
                   name: str | None = None) -> int:
    """Encrypt everything ``reader`` yields into ``writer``; returns the plaintext length.

    ``on_plain(chunk)`` sees each plaintext chunk in order, in the calling thread, before it is
    encrypted (the vault hashes there, so one pass over the bytes both hashes and encrypts); an
    exception it raises aborts the encryption (that is how cancelling works). ``bind`` (bytes, or a
    callable evaluated after the last ``on_plain``) is authenticated with the last chunk and must be
    given again to decrypt. With ``size`` the plaintext length is written into the header, which
    lets decryption tell truncation from tampering; if the reader then yields a different number of
    bytes, ``vault.source_changed`` is raised. ``threaded`` (default: when more than two chunks are
    expected) encrypts and writes on a second thread while this one reads and calls ``on_plain``.

    The writer's content is meaningless if this raises: write to a temporary file and rename it on
    success, as the vault does.
    """
    vault_key = _check_key(vault_key)
    name = _name_of(reader, name)
    if size is not None and size < 0:
        raise ValueError("size must be >= 0")
    if size is not None and max(1, -(-size // chunk_size)) > MAX_CHUNKS:
        raise InspectorError(TOO_LARGE, file=name)
    header, aead = _new_header(vault_key, chunk_size, size)
    write_all(writer, header.raw)
    if threaded is None:
        threaded = size is None or size > 2 * chunk_size
    depth = 4 if threaded else 2
    # A small input needs no full-size buffers: size + 1 bytes also notices a file that grew.
    buf_len = chunk_size if size is None else min(chunk_size, size + 1)
    free: queue.Queue = queue.Queue()
    for _ in range(depth + 2):  # in the queue, being sealed, current and look-ahead
        free.put(bytearray(buf_len))
    sealer = _Sealer(aead, header, writer, free, buf_len, threaded, depth)
    finished = False
    try:
        total = 0
        index = 0
        cur = free.get()
        n = read_full(reader, memoryview(cur))
        while True:
            total += n
            if size is not None and total > size:
                raise InspectorError(SOURCE_CHANGED, file=name, expected=size, actual=f">{size}")
            if on_plain is not None and n:
                on_plain(memoryview(cur)[:n])
            nxt, m = None, 0
            if n == chunk_size:  # a full chunk: look ahead to learn whether it is the last
                nxt = free.get()
                m = read_full(reader, memoryview(nxt))
            last = m == 0
            binding = b""
            if last:
                if nxt is not None:
                    free.put(nxt)
                    nxt = None
                if size is not None and total != size:
                    raise InspectorError(SOURCE_CHANGED, file=name, expected=size, actual=total)
                if callable(bind):
                    binding = bytes(bind())
                elif bind is not None:
                    binding = bytes(bind)
            sealer.submit(index, cur, n, last, binding)
            cur = None
            if last:
                break
            index += 1
            if index >= MAX_CHUNKS:
                raise InspectorError(TOO_LARGE, file=name)
            cur, n = nxt, m
        finished = True
    finally:
        if finished:
            sealer.finish()  # raises the worker's error, if any
        else:
            try:
                sealer.finish()
            except BaseException:
                pass  # the exception already propagating is the one to report
    return total


def encrypt_bytes(data: bytes, vault_key: bytes, *, bind: bytes | None = None,
                  chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, vault_key, bind=bind, size=len(data), chunk_size=chunk_size,
                   threaded=False, name="<bytes>")
    return out.getvalue()


# ----------------------------------------------------------------------------------------------
# Decryption


class _Opener:
    """Authenticates and decrypts single chunks of one file."""

    def __init__(self, header: Header, aead: AESGCM, name: str, binding: bytes):
        self.header = header
        self.aead = aead
        self.name = name
        self.binding = binding

    def open(self, index: int, ct: memoryview, out: memoryview, last: bool) -> None:
        aad = self.header.raw + self.binding if last else self.header.raw
        try:
            self.aead.decrypt_into(_nonce(self.header.nonce_prefix, index, last), ct, aad, out)
        except InvalidTag:
            out[:] = bytes(len(out))  # decrypt_into may have written unauthenticated plaintext: wipe
            raise InspectorError(TAMPERED, file=self.name, offset=self.header.chunk_offset(index)) from None

    def authentic_as_middle(self, index: int, ct: memoryview, out: memoryview) -> bool:
        """Whether ``ct`` is a genuine non-final chunk (the file was cut after it)."""
        try:
            self.aead.decrypt_into(_nonce(self.header.nonce_prefix, index, False), ct, self.header.raw, out)
            return True
        except InvalidTag:
            return False
        finally:
            out[:] = bytes(len(out))


def _begin(reader: Any, vault_key: bytes, name: str, bind: bytes | None) -> _Opener:
    raw = bytearray(HEADER_LEN)
    got = read_full(reader, memoryview(raw))
    header, aead = parse_header(bytes(raw[:got]), vault_key, name)
    return _Opener(header, aead, name, bytes(bind or b""))


def _iter_plain(reader: Any, opener: _Opener):
    """Yield authenticated plaintext chunks (memoryviews valid until the next step)."""
    header = opener.header
    cs = header.chunk_size
    longest = cs if header.size is None else min(cs, header.size)
    inbuf = bytearray(longest + TAG_LEN)
    outbuf = bytearray(longest)
    if header.size is not None:
        count = header.chunk_count
        for index in range(count):
            last = index == count - 1
            plen = header.size - index * cs if last else cs
            clen = plen + TAG_LEN
            got = read_full(reader, memoryview(inbuf)[:clen])
            if got < clen:
                raise InspectorError(TRUNCATED, file=opener.name, offset=header.chunk_offset(index) + got)
            out = memoryview(outbuf)[:plen]
            opener.open(index, memoryview(inbuf)[:clen], out, last)
            yield out
        extra = reader.read(1)
        if extra:
            raise InspectorError(TAMPERED, file=opener.name, offset=header.ciphertext_length())
        return
    # Length unknown in advance: a short chunk, or a full one followed by nothing, is the last.
    spare = bytearray(cs + TAG_LEN)
    got = read_full(reader, memoryview(inbuf))
    if got == 0:
        raise InspectorError(TRUNCATED, file=opener.name, offset=HEADER_LEN)
    index = 0
    while True:
        nxt = 0
        if got == cs + TAG_LEN:
            nxt = read_full(reader, memoryview(spare))
        last = nxt == 0
        if got < TAG_LEN:
            raise InspectorError(TRUNCATED, file=opener.name, offset=header.chunk_offset(index) + got)
        ct = memoryview(inbuf)[:got]
        out = memoryview(outbuf)[:got - TAG_LEN]
        try:
            opener.open(index, ct, out, last)
        except InspectorError:
            if last and opener.authentic_as_middle(index, ct, out):
                raise InspectorError(TRUNCATED, file=opener.name,
                                     offset=header.chunk_offset(index) + got) from None
            raise
        yield out
        if last:
            return
        index += 1
        if index >= MAX_CHUNKS:
            raise InspectorError(TAMPERED, file=opener.name, offset=header.chunk_offset(index))
        inbuf, spare, got = spare, inbuf, nxt


def decrypt_stream(reader: BinaryIO, writer_or_callback: Any, vault_key: bytes, *,
                   bind: bytes | None = None, name: str | None = None) -> int:
    """Decrypt ``reader`` into a writer (``.write``) or a callback taking each plaintext chunk.

    Returns the plaintext length. Raises ``vault.*`` errors naming the file; when it does, whatever
    was already written must be discarded (see the module docstring). Chunks handed to a callback
    are memoryviews reused for the next chunk: copy them to keep them.
    """
    vault_key = _check_key(vault_key)
    name = _name_of(reader, name)
    if hasattr(writer_or_callback, "write"):
        def sink(chunk: memoryview) -> None:
            write_all(writer_or_callback, chunk)
    else:
        sink = writer_or_callback
    opener = _begin(reader, vault_key, name, bind)
    total = 0
    for chunk in _iter_plain(reader, opener):
        if chunk:
            sink(chunk)
        total += len(chunk)
    return total


def decrypt_bytes(blob: bytes, vault_key: bytes, *, bind: bytes | None = None, name: str = "<bytes>") -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, vault_key, bind=bind, name=name)
    return out.getvalue()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over the plaintext of an encrypted file, in constant memory.

    Files whose header gives the plaintext length (every vault object) are seekable when the
    underlying file is, and their length and last chunk are checked when the reader is opened.
    Errors surface as ``vault.*`` InspectorErrors from ``read``; bytes already returned before an
    error must then be discarded by the caller.
    """

    def __init__(self, raw: BinaryIO, vault_key: bytes, *, name: str | None = None, bind: bytes | None = None,
                 close_raw: bool = True):
        super().__init__()
        self._raw = raw
        self._close_raw = close_raw
        self.name = _name_of(raw, name)
        try:
            self._opener = _begin(raw, _check_key(vault_key), self.name, bind)
            header = self._opener.header
            self._pos = 0
            longest = header.chunk_size if header.size is None else min(header.chunk_size, header.size)
            self._buf = memoryview(bytearray(longest))
            self._buf_index = -1  # which chunk ``_buf`` holds
            self._buf_len = 0
            self._seq_off = 0
            self._inbuf = memoryview(bytearray(longest + TAG_LEN))
            self._seekable = header.size is not None and _is_seekable(raw)
            self._iter = None if self._seekable else _iter_plain(raw, self._opener)
            if self._seekable:
                self._check_length()
                self._load(header.chunk_count - 1)  # authenticates the end and the binding up front
        except BaseException:
            if close_raw:
                raw.close()
            raise

    @property
    def header(self) -> Header:
        return self._opener.header

    @property
    def size(self) -> int | None:
        return self._opener.header.size

    def _check_length(self) -> None:
        expected = self.header.ciphertext_length()
        actual = self._raw.seek(0, io.SEEK_END)
        if actual < expected:
            raise InspectorError(TRUNCATED, file=self.name, offset=actual)
        if actual > expected:
            raise InspectorError(TAMPERED, file=self.name, offset=expected)

    def _load(self, index: int) -> None:
        header = self.header
        cs = header.chunk_size
        last = index == header.chunk_count - 1
        plen = header.size - index * cs if last else cs
        clen = plen + TAG_LEN
        self._raw.seek(header.chunk_offset(index))
        got = read_full(self._raw, self._inbuf[:clen])
        if got < clen:
            raise InspectorError(TRUNCATED, file=self.name, offset=header.chunk_offset(index) + got)
        self._buf_index = -1
        self._opener.open(index, self._inbuf[:clen], self._buf[:plen], last)
        self._buf_index, self._buf_len = index, plen

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        self._pos = _position(self._pos, offset, whence, lambda: self.size)
        return self._pos

    def readinto(self, b) -> int:
        """Fill ``b`` as far as the plaintext goes (short only at the end)."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        view = memoryview(b).cast("B")
        done = 0
        while done < len(view):
            n = self._read_some(view[done:])
            if n == 0:
                break
            done += n
        return done

    def _read_some(self, view: memoryview) -> int:
        if self._seekable:
            if self._pos >= self.size:
                return 0
            index, within = divmod(self._pos, self.header.chunk_size)
            if index != self._buf_index:
                self._load(index)
            n = min(len(view), self._buf_len - within)
            view[:n] = self._buf[within:within + n]
            self._pos += n
            return n
        # sequential: ``_buf[_seq_off:_seq_off + _buf_len]`` is the unread rest of the current chunk
        while self._buf_len == 0:
            if self._iter is None:
                return 0
            try:
                chunk = next(self._iter)
            except StopIteration:
                self._iter = None
                return 0
            self._buf[:len(chunk)] = chunk
            self._buf_len, self._seq_off = len(chunk), 0
        off = self._seq_off
        n = min(len(view), self._buf_len)
        view[:n] = self._buf[off:off + n]
        self._seq_off = off + n
        self._buf_len -= n
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                if self._close_raw:
                    self._raw.close()
            finally:
                super().close()


def _position(current: int, offset: int, whence: int, end: Callable[[], int]) -> int:
    """Where a seek lands (io.SEEK_SET, SEEK_CUR or SEEK_END)."""
    if whence == io.SEEK_CUR:
        offset += current
    elif whence == io.SEEK_END:
        offset += end()
    if offset < 0:
        raise ValueError("negative seek position")
    return offset


def _is_seekable(raw: Any) -> bool:
    try:
        return bool(raw.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class DirectFile(io.RawIOBase):
    """A file read with ``O_DIRECT`` through an aligned window: a long sequential read (an upload
    of gigabytes of video) goes from the disk into the same few MiB of memory, without passing
    through the page cache (which it would fill, and copying out of which cost more than the read
    in bench/sync.py). ``open()`` returns None where the platform or file system cannot do it."""

    WINDOW = 8 << 20
    ALIGN = 4096

    @classmethod
    def open(cls, path: str | os.PathLike) -> "DirectFile | None":
        flag = getattr(os, "O_DIRECT", 0)
        if not flag or not hasattr(os, "preadv"):
            return None
        try:
            fd = os.open(path, os.O_RDONLY | flag)
        except OSError as exc:
            if exc.errno == errno.EINVAL:  # a file system without direct I/O (tmpfs)
                return None
            raise
        reader = cls(fd, os.fspath(path))
        try:
            reader._fill(0)
        except OSError as exc:
            reader.close()
            if exc.errno == errno.EINVAL:
                return None
            raise
        return reader

    def __init__(self, fd: int, name: str):
        super().__init__()
        self._fd = fd
        self.name = name
        self._map = mmap.mmap(-1, self.WINDOW)  # page-aligned, as direct I/O requires
        self._window = memoryview(self._map)
        self._start = self._len = self._pos = 0

    def _fill(self, pos: int) -> None:
        base = pos - pos % self.ALIGN
        self._len = 0
        self._len = os.preadv(self._fd, [self._window], base)
        self._start = base

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = _position(self._pos, offset, whence, lambda: os.fstat(self._fd).st_size)
        return self._pos

    def readinto(self, b) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        view = memoryview(b).cast("B")
        if not len(view):
            return 0
        if not self._start <= self._pos < self._start + self._len:
            self._fill(self._pos)
            if self._pos >= self._start + self._len:
                return 0  # end of file
        within = self._pos - self._start
        n = min(len(view), self._len - within)
        view[:n] = self._window[within:within + n]
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self._window.release()
                self._map.close()
                os.close(self._fd)
            finally:
                super().close()


def open_decrypting(path: str | os.PathLike, vault_key: bytes, *, bind: bytes | None = None,
                    direct: bool = False) -> DecryptingReader:
    """Open an encrypted file for streaming reads of its plaintext (see DecryptingReader);
    ``direct`` reads it past the page cache where possible (see DirectFile)."""
    raw = (DirectFile.open(path) if direct else None) or open(path, "rb", buffering=0)
    return DecryptingReader(raw, vault_key, name=os.fspath(path), bind=bind)
