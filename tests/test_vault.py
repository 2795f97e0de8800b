"""The evidence vault and its streaming AEAD format, on real files: round trips, deduplication,
no plaintext at rest, and every kind of damage giving its own error and never wrong bytes."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector_app.crypto import stream
from inspector_app.domain.messages import InspectorError
from inspector_app.store import vault as vault_mod
from inspector_app.store.vault import Vault

CS = 4096  # a small chunk size makes multi-chunk files cheap; one test uses the 1 MiB default
KEY = bytes(range(32))
MARKER = b"PLAINTEXT-MARKER-"


@pytest.fixture
def vault(tmp_path) -> Vault:
    return Vault(tmp_path / "data" / "vault", KEY, chunk_size=CS)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _code(excinfo) -> str:
    return excinfo.value.code


# -- round trips --------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, CS - 1, CS, CS + 1, 2 * CS, 3 * CS + 7, 10 * CS + CS // 2])
def test_round_trip_is_byte_for_byte(vault, tmp_path, size):
    data = os.urandom(size)
    src = _file(tmp_path, "in.bin", data)
    result = vault.put_file(src)
    assert result == vault_mod.PutResult(hashlib.sha256(data).hexdigest(), size, True)
    with vault.open(result.sha256) as r:
        assert r.size == size
        assert r.read() == data
    assert vault.verify(result.sha256) == size
    out = tmp_path / "out" / "copy.bin"
    out.parent.mkdir()
    assert vault.export(result.sha256, out) == size
    assert out.read_bytes() == data
    assert os.listdir(out.parent) == ["copy.bin"]


@pytest.mark.parametrize("size", [stream.DEFAULT_CHUNK_SIZE, stream.DEFAULT_CHUNK_SIZE + 1, 3 * stream.DEFAULT_CHUNK_SIZE + 5])
def test_round_trip_with_the_default_chunk_size(tmp_path, size):
    v = Vault(tmp_path / "vault", KEY)
    data = os.urandom(size)
    result = v.put_file(_file(tmp_path, "big.bin", data))
    with v.open(result.sha256) as r:
        assert r.read() == data
    assert v.verify(result.sha256) == size


def test_reader_seeks_across_chunks(vault):
    data = os.urandom(5 * CS + 123)
    sha = vault.put_bytes(data).sha256
    with vault.open(sha) as r:
        assert r.seekable()
        for pos in (0, CS - 3, CS, 2 * CS + 17, len(data) - 5, len(data)):
            r.seek(pos)
            assert r.read(CS + 10) == data[pos:pos + CS + 10]
        r.seek(-10, io.SEEK_END)
        assert r.read() == data[-10:]


def test_unknown_length_streams_round_trip():
    for size in (0, 1, CS, CS + 1, 4 * CS):
        data = os.urandom(size)
        out = io.BytesIO()
        stream.encrypt_stream(io.BytesIO(data), out, KEY, chunk_size=CS)  # size unknown: a pipe
        assert stream.decrypt_bytes(out.getvalue(), KEY) == data
        with stream.DecryptingReader(io.BytesIO(out.getvalue()), KEY) as r:
            assert not r.seekable() and r.read() == data


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=700), chunk=st.integers(16, 96), threaded=st.booleans(), known=st.booleans())
def test_any_bytes_round_trip(data, chunk, threaded, known):
    out = io.BytesIO()
    seen = []
    n = stream.encrypt_stream(io.BytesIO(data), out, KEY, chunk_size=chunk, threaded=threaded,
                              size=len(data) if known else None, on_plain=lambda c: seen.append(bytes(c)),
                              bind=b"x")
    assert n == len(data) and b"".join(seen) == data
    assert stream.decrypt_bytes(out.getvalue(), KEY, bind=b"x") == data


def test_released_format_v1_still_decrypts():
    """A file written by format version 1 (kept as a fixture): every later version must read it."""
    blob = bytes.fromhex(
        "494e5350564c540100000040000000000000007b77f763d1e9124b84906242a7a29cc2d4c8de8db367b268c4e86a7d40"
        "cbaddb348185b1fa3b16b42377d3c1bc38152e9a8ebd8db63b4539a5e5fb6db6bd37352973a5df0ed3272293cb94973e"
        "3bb5e754aaf6bc3eb26394eea4eee9617cdefa7fdc37fe5171bd8ef42e7f7fced7589e801c9e86c77513cd88e93c6559"
        "95f89c2ab41b36fb5f6e13b37e4ce6812906bc8988d116f094c752dedbaee1d08c18c3158746b3bb83e93b377dfc5f51"
        "9972ee4a45c33e64a87caedc855ccf2f4e359a024b40c6e1c8bfff01ce3915ee8bd820c7cbe55e47162954d07faed791"
        "255853c09a373ff84302")
    plain = "Inspector vault format v1 fixture 证据 ".encode() * 3
    assert stream.decrypt_bytes(blob, bytes(range(32)), bind=b"fixture") == plain


# -- stored once, nothing in the clear ---------------------------------------------------------

def test_the_same_file_twice_is_stored_once(vault, tmp_path):
    data = os.urandom(3 * CS)
    a = vault.put_file(_file(tmp_path, "a.bin", data))
    b = vault.put_file(_file(tmp_path, "elsewhere/b.bin", data))
    assert a.created and not b.created and a.sha256 == b.sha256
    assert list(vault.iter_objects()) == [a.sha256]
    assert os.listdir(vault.tmp_dir) == []


def test_no_plaintext_of_a_marker_anywhere_in_the_data_dir(tmp_path):
    from PIL import Image

    from inspector_app.store import derived

    data_dir = tmp_path / "data"
    v = Vault(data_dir / "vault", KEY, chunk_size=CS)
    marked = MARKER * 1000
    v.put_file(_file(tmp_path, "src/marked.bin", marked))
    v.put_bytes(marked + b"again")
    photo = tmp_path / "src" / "photo.jpg"  # the marker inside a photo's comment, and its derived files
    Image.new("RGB", (64, 48), (10, 200, 30)).save(photo, "JPEG", comment=marked)
    sha, _ = v.import_file(photo)
    derived.thumbnail(v, sha.sha256)
    derived.annotate(v, sha.sha256, [{"type": "text", "at": [2, 2], "text": MARKER.decode()}])
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        content = path.read_bytes()
        assert MARKER not in content, path
        assert MARKER[:8] not in content, path


# -- keys --------------------------------------------------------------------------------------

def test_opening_the_vault_with_another_key_is_refused(vault, tmp_path):
    sha = vault.put_bytes(b"evidence").sha256
    with pytest.raises(InspectorError) as e:
        Vault(vault.root, bytes(32))
    assert _code(e) == "vault.wrong_key"
    with pytest.raises(InspectorError) as e:
        stream.open_decrypting(vault.object_path(sha), bytes(32))
    assert _code(e) == "vault.wrong_key"


# -- damage: each its own error, never wrong bytes ----------------------------------------------

@pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="no O_DIRECT on this platform (the buffered path is used)")
def test_direct_reads_past_the_page_cache_give_the_same_bytes(vault, monkeypatch):
    """The upload path reads objects with O_DIRECT through an aligned window; a small window makes
    every read cross window and chunk boundaries."""
    monkeypatch.setattr(stream.DirectFile, "WINDOW", 2 * stream.DirectFile.ALIGN)
    data = os.urandom(9 * CS + 4321)
    sha = vault.put_bytes(data).sha256
    raw = stream.DirectFile.open(vault.object_path(sha))
    assert raw is not None, "direct I/O should work on this file system"
    raw.close()
    with vault.open(sha, direct=True) as r:
        assert isinstance(r._raw, stream.DirectFile)
        assert r.read() == data
        for pos in (0, 1, CS - 3, 3 * CS + 17, len(data) - 5, len(data), len(data) + 10):
            r.seek(pos)
            assert r.read(CS + 10) == data[pos:pos + CS + 10]
        buf = bytearray(5 * CS)
        r.seek(CS + 1)
        assert r.readinto(buf) == len(buf) and bytes(buf) == data[CS + 1:6 * CS + 1]


def test_direct_reads_fall_back_where_the_platform_has_none(vault, monkeypatch):
    """Windows has no O_DIRECT: the same call reads through the page cache."""
    monkeypatch.delattr(os, "O_DIRECT", raising=False)
    data = os.urandom(3 * CS + 5)
    sha = vault.put_bytes(data).sha256
    assert stream.DirectFile.open(vault.object_path(sha)) is None
    with vault.open(sha, direct=True) as r:
        assert not isinstance(r._raw, stream.DirectFile)
        assert r.read() == data


@pytest.fixture
def stored(vault):
    data = os.urandom(6 * CS + 100)  # 7 chunks
    sha = vault.put_bytes(data).sha256
    return vault, sha, data, vault.object_path(sha)


def _all_errors(v: Vault, sha: str) -> set[str]:
    """The error code of every way of reading: open, a full read, verify, export."""
    codes = set()
    for direct in (False, True):
        try:
            with v.open(sha, direct=direct) as r:
                r.read()
        except InspectorError as e:
            codes.add(e.code)
    for fn in (v.verify, lambda s: v.export(s, v.root.parent / "exported.bin")):
        try:
            fn(sha)
        except InspectorError as e:
            codes.add(e.code)
    assert not (v.root.parent / "exported.bin").exists()
    assert [p for p in v.root.parent.iterdir() if p.name.endswith(".part")] == []
    return codes


@pytest.mark.parametrize("cut", [1, 15, 16, 17, CS + 16, 100 + 16, 2 * (CS + 16)])
def test_a_truncated_object_is_reported_truncated(stored, cut):
    v, sha, data, path = stored
    blob = path.read_bytes()
    path.write_bytes(blob[:-cut])
    assert _all_errors(v, sha) == {"vault.truncated"}


def test_dropping_the_last_chunk_is_truncation(stored):
    v, sha, data, path = stored
    blob = path.read_bytes()
    path.write_bytes(blob[:stream.HEADER_LEN + 6 * (CS + 16)])  # exactly the six full chunks remain
    assert _all_errors(v, sha) == {"vault.truncated"}


@pytest.mark.parametrize("keep", [0, 5, 8, stream.HEADER_LEN - 1, stream.HEADER_LEN])
def test_a_file_cut_in_or_right_after_its_header_is_truncated(stored, keep):
    v, sha, data, path = stored
    path.write_bytes(path.read_bytes()[:keep])
    assert _all_errors(v, sha) == {"vault.truncated"}


def test_a_flipped_byte_in_the_header(stored):
    v, sha, data, path = stored
    original = path.read_bytes()
    expected = {**{i: {"vault.bad_header"} for i in range(7)}, 7: {"vault.unknown_version"}}
    for offset in range(stream.HEADER_LEN):
        blob = bytearray(original)
        blob[offset] ^= 0x01
        path.write_bytes(blob)
        codes = _all_errors(v, sha)
        if offset in expected:
            assert codes == expected[offset], offset
        elif 20 <= offset < 28:  # the key id
            assert codes == {"vault.wrong_key"}, offset
        elif 12 <= offset < 20:  # the length: out of range, or authenticated by the key wrap
            assert codes <= {"vault.bad_header", "vault.tampered"} and codes, offset
        else:
            assert codes == {"vault.tampered"}, offset


@pytest.mark.parametrize("chunk", [0, 3, 6])
def test_a_flipped_byte_in_a_chunk(stored, chunk):
    v, sha, data, path = stored
    blob = bytearray(path.read_bytes())
    blob[stream.HEADER_LEN + chunk * (CS + 16) + 40] ^= 0x80
    path.write_bytes(blob)
    assert _all_errors(v, sha) == {"vault.tampered"}
    # streaming: the chunks before the damaged one come out (the caller must discard them on the
    # error), the damaged one never does
    received = []
    with open(path, "rb") as f, pytest.raises(InspectorError) as e:
        stream.decrypt_stream(f, lambda c: received.append(bytes(c)), KEY, bind=bytes.fromhex(sha))
    assert _code(e) == "vault.tampered"
    assert e.value.params["offset"] == stream.HEADER_LEN + chunk * (CS + 16)
    assert b"".join(received) == data[:chunk * CS]


def test_swapped_chunks_are_tampering(stored):
    v, sha, data, path = stored
    blob = path.read_bytes()
    h, n = stream.HEADER_LEN, CS + 16
    chunks = [blob[h + i * n:h + (i + 1) * n] for i in range(7)]
    chunks[1], chunks[2] = chunks[2], chunks[1]
    path.write_bytes(blob[:h] + b"".join(chunks))
    assert _all_errors(v, sha) == {"vault.tampered"}


def test_appended_bytes_are_tampering(stored):
    v, sha, data, path = stored
    with open(path, "ab") as f:
        f.write(b"\0")
    assert _all_errors(v, sha) == {"vault.tampered"}


def test_an_object_renamed_to_another_name_fails(vault):
    a = vault.put_bytes(b"first evidence").sha256
    b = vault.put_bytes(b"second evidence").sha256
    shutil.copyfile(vault.object_path(a), vault.object_path(b))
    assert _all_errors(vault, b) == {"vault.tampered"}


def test_garbage_is_not_a_vault_file(tmp_path):
    path = _file(tmp_path, "x", b"this is not an encrypted file, just text" * 4)
    with pytest.raises(InspectorError) as e:
        stream.open_decrypting(path, KEY)
    assert _code(e) == "vault.bad_header" and str(path) in str(e.value)


def test_unknown_length_truncation_at_a_chunk_boundary_is_truncation():
    data = os.urandom(4 * CS)
    out = io.BytesIO()
    stream.encrypt_stream(io.BytesIO(data), out, KEY, chunk_size=CS)
    blob = out.getvalue()
    with pytest.raises(InspectorError) as e:
        stream.decrypt_bytes(blob[:stream.HEADER_LEN + 2 * (CS + 16)], KEY)
    assert _code(e) == "vault.truncated"


# -- bad input at import: a clear code, nothing half-written ------------------------------------

def _assert_nothing_half_written(v: Vault, before: list[str]):
    assert list(v.iter_objects()) == before
    assert os.listdir(v.tmp_dir) == []


def test_a_zero_byte_file_is_refused(vault, tmp_path):
    with pytest.raises(InspectorError) as e:
        vault.put_file(_file(tmp_path, "empty.jpg", b""))
    assert _code(e) == "evidence.empty" and "empty.jpg" in str(e.value)
    with pytest.raises(InspectorError):
        vault.put_bytes(b"")
    _assert_nothing_half_written(vault, [])


def test_a_vanished_file(vault, tmp_path):
    path = _file(tmp_path, "gone.mp4", b"x" * 100)
    path.unlink()
    with pytest.raises(InspectorError) as e:
        vault.put_file(path)
    assert _code(e) == "evidence.missing" and "gone.mp4" in str(e.value)
    _assert_nothing_half_written(vault, [])


def test_a_file_that_shrinks_mid_import(vault, tmp_path):
    path = _file(tmp_path, "shrinking.mp4", os.urandom(8 * CS))

    def cut_it(done, total):  # the camera's card is being rewritten under us
        if done == CS:
            os.truncate(path, 3 * CS)

    with pytest.raises(InspectorError) as e:
        vault.put_file(path, on_progress=cut_it)
    assert _code(e) == "vault.source_changed" and "shrinking.mp4" in str(e.value)
    _assert_nothing_half_written(vault, [])


def test_a_file_that_grows_mid_import(vault, tmp_path):
    path = _file(tmp_path, "growing.mp4", os.urandom(4 * CS))

    def append(done, total):  # still being recorded
        if done == CS:
            with open(path, "ab") as f:
                f.write(os.urandom(2 * CS))

    with pytest.raises(InspectorError) as e:
        vault.put_file(path, on_progress=append)
    assert _code(e) == "vault.source_changed"
    _assert_nothing_half_written(vault, [])


def test_cancel_mid_import(vault, tmp_path):
    path = _file(tmp_path, "long.mp4", os.urandom(20 * CS))
    cancel = threading.Event()

    def progress(done, total):
        if done >= 5 * CS:
            cancel.set()

    with pytest.raises(InspectorError) as e:
        vault.put_file(path, cancel=cancel, on_progress=progress)
    assert _code(e) == "vault.cancelled"
    _assert_nothing_half_written(vault, [])


def test_a_directory_is_not_a_file(vault, tmp_path):
    with pytest.raises(InspectorError) as e:
        vault.put_file(tmp_path)  # a directory
    assert _code(e) == "evidence.not_a_file"


def test_a_fifo_does_not_hang_the_import(vault, tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("POSIX only")
    fifo = tmp_path / "drive" / "pipe.mp4"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with pytest.raises(InspectorError) as e:
        vault.put_file(fifo)
    assert _code(e) == "evidence.not_a_file"
    report = vault.import_folder(fifo.parent)
    assert [(r.status, r.code) for r in report.results] == [("failed", "evidence.not_a_file")]


def test_a_full_disk_is_reported_as_such():
    """/dev/full answers every write with ENOSPC: the sink turns that into vault.disk_full."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        sink = vault_mod._Sink(fd, Path("/dev/full"), 0)
        with pytest.raises(InspectorError) as e:
            stream.encrypt_stream(io.BytesIO(os.urandom(10 * CS)), sink, KEY, size=10 * CS, chunk_size=CS)
        assert _code(e) == "vault.disk_full"
    finally:
        os.close(fd)


def test_a_full_vault_disk_leaves_no_partial_object(tmp_path):
    """A real full file system (a 1 MiB tmpfs; needs permission to mount, else skipped)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("needs Linux mount")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("not allowed to mount a tmpfs here")
    try:
        v = Vault(mnt / "vault", KEY, chunk_size=CS)
        small = v.put_bytes(b"small evidence that fits").sha256
        with pytest.raises(InspectorError) as e:
            v.put_file(_file(tmp_path, "huge.mp4", os.urandom(3 << 20)))
        assert _code(e) == "vault.disk_full"
        _assert_nothing_half_written(v, [small])
        assert v.verify(small)
        v.put_bytes(b"after freeing nothing, a small one still fits")
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_export_of_a_damaged_object_leaves_no_file(stored, tmp_path):
    v, sha, data, path = stored
    blob = bytearray(path.read_bytes())
    blob[stream.HEADER_LEN + 3 * (CS + 16) + 5] ^= 1
    path.write_bytes(blob)
    dest = tmp_path / "court" / "evidence.mp4"
    dest.parent.mkdir()
    with pytest.raises(InspectorError):
        v.export(sha, dest)
    assert os.listdir(dest.parent) == []


def test_unknown_objects_are_missing(vault):
    for sha in ("0" * 64, "not-a-sha", "../../etc/passwd"):
        assert not vault.has(sha)
        with pytest.raises(InspectorError) as e:
            vault.open(sha)
        assert _code(e) == "vault.missing"


# -- temp files -----------------------------------------------------------------------------------

def test_cleanup_removes_leftovers_but_not_work_in_progress(vault):
    stale = vault.tmp_dir / "0123456789abcdef.part"
    stale.write_bytes(b"encrypted leftovers of a crash")
    fd, busy = vault._new_temp()  # locked, as while put_file writes it
    try:
        assert vault.cleanup_temps() == 1
        assert not stale.exists()
        if os.name != "nt":
            assert busy.exists()
    finally:
        os.close(fd)
    assert vault.cleanup_temps() == 1
    assert os.listdir(vault.tmp_dir) == []


def test_reopening_cleans_up(vault):
    (vault.tmp_dir / "abc.part").write_bytes(b"x")
    Vault(vault.root, KEY)
    assert os.listdir(vault.tmp_dir) == []


def test_a_folder_that_is_not_a_vault_is_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    with pytest.raises(InspectorError) as e:
        Vault(tmp_path / "photos", KEY)
    assert _code(e) == "vault.not_a_vault"


def test_object_files_are_private(vault):
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    sha = vault.put_bytes(b"private").sha256
    assert vault.object_path(sha).stat().st_mode & 0o077 == 0


# -- metadata sidecars ------------------------------------------------------------------------------

def test_meta_sidecars_are_encrypted_and_bound_to_their_object(vault):
    a = vault.put_bytes(b"a").sha256
    b = vault.put_bytes(b"b").sha256
    vault.put_meta(a, {"kind": "thumbnail", "note": "现场"})
    assert vault.get_meta(a) == {"kind": "thumbnail", "note": "现场"}
    assert vault.get_meta(b) is None
    vault._meta_path(b).parent.mkdir(exist_ok=True)
    shutil.copyfile(vault._meta_path(a), vault._meta_path(b))
    with pytest.raises(InspectorError) as e:
        vault.get_meta(b)
    assert _code(e) == "vault.tampered"


# -- folders -------------------------------------------------------------------------------------------

def _jpeg(path: Path, size=(64, 48), color=(200, 30, 30)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "JPEG")
    return path


def test_import_folder_reports_every_file(vault, tmp_path):
    from PIL import Image

    drive = tmp_path / "BODYCAM"
    photo = _jpeg(drive / "DCIM" / "100CAM" / "IMG_0001.JPG")
    _jpeg(drive / "DCIM" / "100CAM" / "copy-of-0001.jpg")  # same bytes again: a duplicate
    shutil.copyfile(photo, drive / "DCIM" / "100CAM" / "copy-of-0001.jpg")
    Image.new("RGB", (10, 10)).save(drive / "DCIM" / "shot.png")
    wav = drive / "AUDIO" / "rec.wav"
    wav.parent.mkdir(parents=True)
    import wave

    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    _file(drive, "readme.txt", b"Body cam firmware notes")
    _file(drive, "DCIM/empty.mp4", b"")
    _file(drive, "DCIM/broken.jpg", photo.read_bytes()[:200])
    _file(drive, "System Volume Information/IndexerVolumeGuid", b"{guid}")
    events = []
    report = vault.import_folder(drive, on_progress=events.append)
    by_name = {Path(r.path).name: r for r in report.results}
    assert set(by_name) == {"IMG_0001.JPG", "copy-of-0001.jpg", "shot.png", "rec.wav", "readme.txt",
                            "empty.mp4", "broken.jpg"}
    assert by_name["IMG_0001.JPG"].status == "imported" and by_name["IMG_0001.JPG"].info.kind == "photo"
    assert by_name["copy-of-0001.jpg"].status == "duplicate"
    assert by_name["copy-of-0001.jpg"].sha256 == by_name["IMG_0001.JPG"].sha256
    assert by_name["shot.png"].status == "imported"
    assert by_name["rec.wav"].status == "imported" and by_name["rec.wav"].info.media_type == "audio/wav"
    assert (by_name["readme.txt"].status, by_name["readme.txt"].code) == ("skipped", "evidence.not_media")
    assert (by_name["empty.mp4"].status, by_name["empty.mp4"].code) == ("failed", "evidence.empty")
    assert (by_name["broken.jpg"].status, by_name["broken.jpg"].code) == ("failed", "evidence.corrupt")
    assert "broken.jpg" in by_name["broken.jpg"].text("en") and "已损坏" in by_name["broken.jpg"].text("zh")
    assert len(report.imported) == 4 and len(report.failed) == 2 and len(report.skipped) == 1
    assert not report.cancelled
    assert len(list(vault.iter_objects())) == 3
    for r in report.imported:
        vault.verify(r.sha256)
    assert events[-1].files_done == events[-1].files_total == 7 and events[-1].current is None
    assert [e.files_done for e in events] == sorted(e.files_done for e in events)
    assert events[-1].bytes_done == events[-1].bytes_total


def test_import_folder_can_be_cancelled(vault, tmp_path):
    drive = tmp_path / "drive"
    for i in range(5):
        _jpeg(drive / f"{i}.jpg", color=(i * 40, 0, 0))
    cancel = threading.Event()

    def progress(p):  # the inspector presses Cancel while the third file is being imported
        if p.files_done == 2:
            cancel.set()

    report = vault.import_folder(drive, cancel=cancel, on_progress=progress)
    assert report.cancelled
    assert [r.status for r in report.results] == ["imported", "imported", "cancelled"]
    assert report.results[2].code == "vault.cancelled"
    assert len(list(vault.iter_objects())) == 2
    assert os.listdir(vault.tmp_dir) == []


# -- layering ------------------------------------------------------------------------------------------

def test_vault_and_derived_import_without_qt():
    code = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import inspector_app.store.vault, inspector_app.store.derived, inspector_app.domain.media\n"
        "import inspector_app.crypto.stream, inspector_app.crypto.keyslot\n"
        "assert 'sqlalchemy' not in sys.modules, 'the vault must not need the ORM'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr


def test_a_lost_marker_is_rewritten_only_for_the_right_key(vault):
    vault.put_bytes(b"evidence")
    (vault.root / "VAULT").unlink()
    with pytest.raises(InspectorError) as e:
        Vault(vault.root, bytes(32))
    assert _code(e) == "vault.wrong_key"
    assert not (vault.root / "VAULT").exists()
    Vault(vault.root, KEY)
    assert (vault.root / "VAULT").exists()
