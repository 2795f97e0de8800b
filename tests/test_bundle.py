"""Signed bundles: write → verify, and every kind of tampering caught with its own code."""
from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tempfile
import warnings
import zipfile
import zlib

import pytest

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import canonical_bytes
from inspector_app.domain import bundle as bnd
from inspector_app.domain import record as rec
from inspector_app.domain.messages import InspectorError

CERTS = ("35010001", "35010002", "35010003")
NAMES = ("王五", "赵六", "钱七")


# --- building bundles ---------------------------------------------------------------------------
class World:
    def __init__(self):
        self.keys = [signing.generate_private_key() for _ in CERTS]
        self.inspectors = [{"name": NAMES[i], "cert": CERTS[i],
                            "public_key": signing.b64(signing.public_key_of(self.keys[i]))} for i in range(3)]
        self.blobs: dict[str, bytes] = {}

    def blob(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return sha

    def record(self, shas, *, amends=None, signers=(0, 1), findings=2):
        inspectors = [self.inspectors[i] for i in signers]
        payload = rec.example_payload(inspectors, evidence=[(s, len(self.blobs[s])) for s in shas],
                                      findings=findings, amends=amends)
        data = rec.record_bytes(payload)
        signatures = rec.sign_record(data, [(CERTS[i], self.keys[i]) for i in signers])
        return data, signatures

    def public_keys(self, data):
        return {i["cert"]: i["public_key"] for i in json.loads(data)["inspectors"]}

    def openers(self):
        return {sha: (lambda d=data: io.BytesIO(d)) for sha, data in self.blobs.items()}

    def write(self, path, data, signatures, amends=()):
        return bnd.write_bundle(path, record=data, signatures=signatures, public_keys=self.public_keys(data),
                                evidence=self.openers(), amends=amends)


@pytest.fixture(scope="module")
def world():
    return World()


@pytest.fixture(scope="module")
def simple(world, tmp_path_factory):
    """A bundle of one record with three evidence files, one larger than the read buffer."""
    shas = [world.blob(b"photo one " * 100), world.blob(os.urandom(5000)), world.blob(os.urandom(9 << 20))]
    data, signatures = world.record(shas)
    path = tmp_path_factory.mktemp("simple") / "bundle.zip"
    world.write(path, data, signatures)
    return path, data, signatures, shas


@pytest.fixture(scope="module")
def chained(world, tmp_path_factory):
    """Three records: r3 amends r2 amends r1, with evidence that changes along the way."""
    e1, e2, e3 = (world.blob(f"evidence {n}".encode() * 50) for n in (1, 2, 3))
    r1, s1 = world.record([e1, e2])
    h1 = rec.record_hash(r1)
    r2, s2 = world.record([e1, e2, e3], amends={"record": h1, "reason": "补充证据"})
    h2 = rec.record_hash(r2)
    r3, s3 = world.record([e2, e3], amends={"record": h2, "reason": "删除错误照片"}, signers=(1, 2))
    path = tmp_path_factory.mktemp("chain") / "bundle.zip"
    world.write(path, r3, s3, amends=[(r1, s1), (r2, s2)])
    return path, (r1, s1, h1), (r2, s2, h2), (r3, s3, rec.record_hash(r3)), (e1, e2, e3)


def members(path):
    with zipfile.ZipFile(path) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def rewrite(src, dst, *, drop=(), replace=None, add=(), rename=None, method=None):
    """Copy a bundle member by member, changing what the test asks for."""
    replace, rename, method = replace or {}, rename or {}, method or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some tests
        with zipfile.ZipFile(dst, "w") as out:
            for info, data in members(src):
                if info.filename in drop:
                    continue
                name = rename.get(info.filename, info.filename)
                out.writestr(zipfile.ZipInfo(name, info.date_time), replace.get(info.filename, data),
                             compress_type=method.get(info.filename, info.compress_type))
            for name, data, *how in add:
                out.writestr(zipfile.ZipInfo(name), data, compress_type=how[0] if how else zipfile.ZIP_STORED)
    return dst


_CENTRAL = struct.Struct("<4s6H3L5H2L")


def patch_central(data: bytes, name: str, **fields) -> bytes:
    """Change fields of one central-directory entry (flags, method, csize, usize, offset)."""
    index = {"flags": 3, "method": 4, "crc": 7, "csize": 8, "usize": 9, "offset": 16}
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos != -1:
        entry = list(_CENTRAL.unpack_from(buf, pos))
        entry_name = bytes(buf[pos + 46:pos + 46 + entry[10]]).decode()
        if entry_name == name:
            for key, value in fields.items():
                entry[index[key]] = value(entry[index[key]]) if callable(value) else value
            _CENTRAL.pack_into(buf, pos, *entry)
            return bytes(buf)
        pos = buf.find(b"PK\x01\x02", pos + 46)
    raise KeyError(name)


def append_central(data: bytes, name: str, offset: int, size: int, crc: int) -> bytes:
    """Add a central-directory entry for a stored member whose local header is at ``offset``."""
    end = data.rfind(b"PK\x05\x06")
    sig, disk, cd_disk, n_this, n_total, cd_size, cd_offset, comment = struct.unpack_from("<4s4H2LH", data, end)
    encoded = name.encode()
    entry = _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, size, size, len(encoded), 0, 0, 0, 0,
                          0o100644 << 16, offset) + encoded
    eocd = struct.pack("<4s4H2LH", sig, disk, cd_disk, n_this + 1, n_total + 1, cd_size + len(entry), cd_offset, comment)
    return data[:cd_offset + cd_size] + entry + eocd


def verify(path, **kwargs):
    verdict = bnd.verify_bundle(path, **kwargs)
    assert not [c for c in verdict.checks if c.code == "bundle.internal_error"], verdict.render("en")
    return verdict


def failed(verdict):
    return sorted({c.code for c in verdict.problems})


def subjects(verdict, code):
    return [c.subject for c in verdict.problems if c.code == code]


# --- the good path ------------------------------------------------------------------------------
def test_sign_write_verify(simple):
    path, data, signatures, shas = simple
    verdict = verify(path)
    assert verdict.genuine and verdict.is_bundle and verdict.exit_code == 0, verdict.render("en")
    assert verdict.record_hash == hashlib.sha256(data).hexdigest()
    assert verdict.record["inspectors"][0]["cert"] == CERTS[0]
    assert len([c for c in verdict.checks if c.code == "bundle.ok_evidence"]) == 3
    assert {c.params["cert"] for c in verdict.checks if c.code == "bundle.ok_signature"} == {CERTS[0], CERTS[1]}
    zh, en = verdict.render("zh"), verdict.render("en")
    assert "真实、完整" in zh and "王五" in zh and "GENUINE" in en
    assert json.loads(json.dumps(verdict.to_dict()))["exit_code"] == 0


def test_layout_and_encodings(simple):
    path, data, signatures, shas = simple
    found = {info.filename: (info, body) for info, body in members(path)}
    assert sorted(found) == sorted(["bundle.json", "record.json", "signatures.json", "public_keys.json"]
                                   + [f"evidence/{s}" for s in shas])
    assert found["bundle.json"][1] == b'{"format":"inspector.bundle/1"}'
    assert found["record.json"][1] == data
    assert json.loads(found["signatures.json"][1]) == signatures
    for sha in shas:
        assert found[f"evidence/{sha}"][0].compress_type == zipfile.ZIP_STORED
    assert found["record.json"][0].compress_type == zipfile.ZIP_DEFLATED


def test_writing_is_deterministic(world, simple, tmp_path):
    path, data, signatures, _ = simple
    world.write(tmp_path / "again.zip", data, signatures)
    assert (tmp_path / "again.zip").read_bytes() == path.read_bytes()


def test_verify_from_a_file_object(simple):
    path, *_ = simple
    verdict = verify(io.BytesIO(path.read_bytes()))
    assert verdict.genuine


def test_three_records_verify_as_a_chain(chained):
    path, (r1, _, h1), (r2, _, h2), (r3, _, h3), (e1, e2, e3) = chained
    verdict = verify(path)
    assert verdict.genuine, verdict.render("en")
    assert verdict.record_hash == h3 and verdict.chain == [h2, h1]
    names = {info.filename for info, _ in members(path)}
    assert {f"amends/{h}.json" for h in (h1, h2)} | {f"amends/{h}.signatures.json" for h in (h1, h2)} <= names
    assert f"evidence/{e1}" in names  # cited only by the original record, still kept
    assert len([c for c in verdict.checks if c.code == "bundle.ok_amendment"]) == 2
    assert "钱七" in verdict.render("zh")


def test_keys_of_earlier_officers_may_be_given(world, chained, tmp_path):
    # The store passes the keys of every officer in the chain; public_keys.json keeps the main record's.
    path, (r1, s1, _), (r2, s2, _), (r3, s3, _), _ = chained
    everyone = {i["cert"]: i["public_key"] for i in world.inspectors}
    bnd.write_bundle(tmp_path / "b.zip", record=r3, signatures=s3, public_keys=everyone,
                     evidence=world.openers(), amends=[(r1, s1), (r2, s2)])
    assert (tmp_path / "b.zip").read_bytes() == path.read_bytes()


def test_trusted_keys(world, simple):
    path, *_ = simple
    trusted = {i["cert"]: i["public_key"] for i in world.inspectors}
    assert verify(path, trusted_keys=trusted).genuine
    trusted[CERTS[1]] = [trusted[CERTS[2]]]
    verdict = verify(path, trusted_keys=trusted)
    assert failed(verdict) == ["bundle.key_not_trusted"]
    assert CERTS[1] in subjects(verdict, "bundle.key_not_trusted")[0]


def test_verification_extracts_nothing(simple, tmp_path, monkeypatch):
    path, *_ = simple
    evil = rewrite(path, tmp_path / "evil.zip", add=[("../escaped.txt", b"x"), ("/tmp/abs.txt", b"x")])
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "TemporaryDirectory", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, lambda *a, **k: pytest.fail("verification touched a temp file"))
    verdict = verify(evil)
    assert not verdict.genuine
    assert list(workdir.iterdir()) == [] and not (tmp_path / "escaped.txt").exists()


# --- tampering: each its own code ---------------------------------------------------------------
def test_missing_file(simple, tmp_path):
    path, _, _, shas = simple
    verdict = verify(rewrite(path, tmp_path / "t.zip", drop={f"evidence/{shas[0]}"}))
    assert failed(verdict) == ["bundle.missing_file"] and verdict.exit_code == 1
    assert subjects(verdict, "bundle.missing_file") == [f"evidence/{shas[0]}"]
    assert f"evidence/{shas[0]}" in verdict.render("zh") and "Missing file" in verdict.render("en")

    verdict = verify(rewrite(path, tmp_path / "t2.zip", drop={"signatures.json"}))
    assert failed(verdict) == ["bundle.missing_file", "signature.missing"]


def test_extra_file(world, simple, tmp_path):
    path, *_ = simple
    stray = hashlib.sha256(b"stray").hexdigest()
    verdict = verify(rewrite(path, tmp_path / "t.zip", add=[("notes.txt", b"hi"), (f"evidence/{stray}", b"stray")]))
    assert failed(verdict) == ["bundle.extra_file"]
    assert subjects(verdict, "bundle.extra_file") == [f"evidence/{stray}", "notes.txt"]


@pytest.mark.parametrize("name", ["../evil.txt", "evidence/../../evil", "/etc/passwd", "evidence\\x", "C:/x", "a//b", "./x"])
def test_path_traversal_names(simple, tmp_path, name):
    path, *_ = simple
    verdict = verify(rewrite(path, tmp_path / "t.zip", add=[(name, b"x")]))
    assert failed(verdict) == ["bundle.unsafe_name"]
    assert subjects(verdict, "bundle.unsafe_name") == [name]


def test_zip_bomb_ratio(world, tmp_path):
    zeros = bytes(2 << 20)  # 2 MiB that deflate to ~2 KiB
    sha = world.blob(zeros)
    data, signatures = world.record([sha])
    world.write(tmp_path / "b.zip", data, signatures)
    bomb = rewrite(tmp_path / "b.zip", tmp_path / "bomb.zip", method={f"evidence/{sha}": zipfile.ZIP_DEFLATED})
    verdict = verify(bomb)
    assert failed(verdict) == ["bundle.zip_bomb_ratio"]
    assert subjects(verdict, "bundle.zip_bomb_ratio") == [f"evidence/{sha}"]


def test_zip_bomb_total_limit(simple):
    path, *_ = simple
    verdict = verify(path, limits=bnd.Limits(max_inflated_total=1000))
    assert "bundle.zip_bomb_total" in failed(verdict) and not verdict.genuine


def test_declared_size_lie(simple, tmp_path):
    path, _, _, shas = simple
    raw = path.read_bytes()
    smaller = patch_central(raw, "record.json", usize=lambda n: n - 10)
    (tmp_path / "a.zip").write_bytes(smaller)
    assert "bundle.corrupt_member" in failed(verify(tmp_path / "a.zip"))
    stored = patch_central(raw, f"evidence/{shas[0]}", usize=lambda n: n * 1000)
    (tmp_path / "b.zip").write_bytes(stored)
    assert failed(verify(tmp_path / "b.zip")) == ["bundle.size_mismatch"]


def test_overlapping_members(world, tmp_path):
    # Evidence whose bytes hide a second member's local header; a forged central entry points at it.
    inner = b"hidden payload"
    name = b"notes.txt"
    fake = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(inner), len(inner), len(inner),
                       len(name), 0) + name + inner
    sha = world.blob(fake)
    data, signatures = world.record([sha])
    world.write(tmp_path / "b.zip", data, signatures)
    raw = (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        info = zf.getinfo(f"evidence/{sha}")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    (tmp_path / "o.zip").write_bytes(append_central(raw, "notes.txt", data_start, len(inner), zlib.crc32(inner)))
    verdict = verify(tmp_path / "o.zip")
    assert "bundle.overlapping_members" in failed(verdict)
    assert subjects(verdict, "bundle.overlapping_members") == ["notes.txt"]


def test_duplicate_member(simple, tmp_path):
    path, data, *_ = simple
    verdict = verify(rewrite(path, tmp_path / "t.zip", add=[("record.json", data)]))
    assert failed(verdict) == ["bundle.duplicate_member"]


def test_encrypted_and_unsupported_compression(simple, tmp_path):
    path, _, _, shas = simple
    (tmp_path / "e.zip").write_bytes(patch_central(path.read_bytes(), f"evidence/{shas[1]}", flags=lambda f: f | 1))
    assert failed(verify(tmp_path / "e.zip")) == ["bundle.encrypted_member"]
    verdict = verify(rewrite(path, tmp_path / "z.zip", method={f"evidence/{shas[1]}": zipfile.ZIP_BZIP2}))
    assert failed(verdict) == ["bundle.unsupported_compression"]


def test_signature_by_unknown_key(world, simple, tmp_path):
    path, data, signatures, _ = simple
    stranger = {"cert": CERTS[2], "signature": signing.b64(signing.sign(world.keys[2], data))}
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={"signatures.json": canonical_bytes(signatures + [stranger])}))
    assert failed(verdict) == ["signature.unknown_key"]
    assert subjects(verdict, "signature.unknown_key") == [f"signatures.json: {CERTS[2]}"]


def test_record_with_a_flipped_byte(simple, tmp_path):
    path, data, *_ = simple
    flipped = bytearray(data)
    at = data.index(b'"hash":"') + 8
    flipped[at] ^= 0x02  # 'a' -> 'c': still canonical JSON, no longer what was signed
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={"record.json": bytes(flipped)}))
    assert failed(verdict) == ["signature.invalid"]
    assert subjects(verdict, "signature.invalid") == [f"signatures.json: {CERTS[0]}", f"signatures.json: {CERTS[1]}"]
    text = verdict.render("zh")
    assert "王五" in text and "赵六" in text and "签名与记录内容不符" in text


def test_record_bytes_flipped_inside_the_zip(simple, tmp_path):
    path, *_ = simple
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("record.json")
    raw[info.header_offset + 30 + len("record.json") + len(info.extra) + 40] ^= 0xFF
    (tmp_path / "t.zip").write_bytes(bytes(raw))
    verdict = verify(tmp_path / "t.zip")
    assert not verdict.genuine and verdict.exit_code == 1
    assert "bundle.corrupt_member" in failed(verdict)


def test_evidence_replaced(simple, tmp_path):
    path, _, _, shas = simple
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={f"evidence/{shas[1]}": os.urandom(5000)}))
    assert failed(verdict) == ["bundle.evidence_mismatch"]
    assert subjects(verdict, "bundle.evidence_mismatch") == [f"evidence/{shas[1]}"]


def test_non_canonical_record(simple, tmp_path):
    path, data, *_ = simple
    pretty = json.dumps(json.loads(data), ensure_ascii=False, indent=2).encode()
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={"record.json": pretty}))
    assert "record.not_canonical" in failed(verdict) and not verdict.genuine
    assert subjects(verdict, "record.not_canonical") == ["record.json"]


def test_public_key_swapped(world, simple, tmp_path):
    path, *_ = simple
    keys = {CERTS[0]: world.inspectors[2]["public_key"], CERTS[1]: world.inspectors[1]["public_key"]}
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={"public_keys.json": canonical_bytes(keys)}))
    assert failed(verdict) == ["signature.public_key_mismatch"]
    assert subjects(verdict, "signature.public_key_mismatch") == [f"public_keys.json: {CERTS[0]}"]


def test_broken_amendment_link(chained, tmp_path):
    path, (r1, _, h1), (r2, _, h2), *_ = chained
    verdict = verify(rewrite(path, tmp_path / "t.zip", drop={f"amends/{h1}.json", f"amends/{h1}.signatures.json"}))
    assert failed(verdict) == ["bundle.amendment_missing"]
    assert subjects(verdict, "bundle.amendment_missing") == [f"amends/{h1}.json"]
    assert h2 in verdict.render("zh")


def test_amended_record_replaced(chained, tmp_path):
    path, (r1, _, h1), (r2, _, h2), *_ = chained
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={f"amends/{h1}.json": r2}))
    assert failed(verdict) == ["bundle.amendment_hash_mismatch"]


def test_amended_record_signature_broken(world, chained, tmp_path):
    path, (r1, s1, h1), *_ = chained
    bad = [s1[0], {"cert": s1[1]["cert"], "signature": signing.b64(signing.sign(world.keys[2], r1))}]
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={f"amends/{h1}.signatures.json": canonical_bytes(bad)}))
    assert failed(verdict) == ["signature.invalid"]
    assert subjects(verdict, "signature.invalid") == [f"amends/{h1}.signatures.json: {CERTS[1]}"]


def test_too_large_json_member(simple):
    path, *_ = simple
    verdict = verify(path, limits=bnd.Limits(max_json_bytes=200))
    assert "bundle.member_too_large" in failed(verdict)


# --- not a bundle: exit 2 -----------------------------------------------------------------------
def test_not_a_zip(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"%PDF-1.7 this is not a zip" * 10)
    verdict = verify(tmp_path / "x.zip")
    assert (verdict.is_bundle, verdict.genuine, verdict.exit_code) == (False, False, 2)
    assert failed(verdict) == ["bundle.not_zip"]
    assert "不是检查记录包" in verdict.render("zh") and "not an inspection bundle" in verdict.render("en")
    (tmp_path / "empty.zip").write_bytes(b"")
    assert verify(tmp_path / "empty.zip").exit_code == 2
    assert verify(tmp_path).exit_code == 2  # a directory
    missing = verify(tmp_path / "nope.zip")
    assert missing.exit_code == 2 and failed(missing) == ["bundle.not_found"]


def test_some_other_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "doc.docx", "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    verdict = verify(tmp_path / "doc.docx")
    assert verdict.exit_code == 2 and failed(verdict) == ["bundle.not_a_bundle"]


def test_newer_format_is_not_judged(simple, tmp_path):
    path, *_ = simple
    verdict = verify(rewrite(path, tmp_path / "t.zip", replace={"bundle.json": b'{"format":"inspector.bundle/2"}'}))
    assert verdict.exit_code == 2 and failed(verdict) == ["bundle.unsupported_format"]
    verdict = verify(rewrite(path, tmp_path / "u.zip", replace={"bundle.json": b'{"format":"something"}'}))
    assert verdict.exit_code == 1 and failed(verdict) == ["bundle.bad_manifest"]


# --- the writer refuses what would not verify ---------------------------------------------------
def test_writer_refusals(world, simple, chained, tmp_path):
    path, data, signatures, shas = simple
    out = tmp_path / "out.zip"

    def refused(code, **kwargs):
        args = dict(record=data, signatures=signatures, public_keys=world.public_keys(data), evidence=world.openers())
        args.update(kwargs)
        with pytest.raises(InspectorError) as info:
            bnd.write_bundle(out, **args)
        assert info.value.code == code, info.value.text("en")
        assert not out.exists() and list(tmp_path.iterdir()) == []  # atomic: nothing left behind

    refused("signature.invalid", signatures=[signatures[0], {"cert": CERTS[1], "signature": signatures[0]["signature"]}])
    refused("signature.missing", signatures=signatures[:1])
    refused("signature.public_key_mismatch", public_keys={CERTS[0]: world.inspectors[2]["public_key"],
                                                          CERTS[1]: world.inspectors[1]["public_key"]})
    refused("signature.public_key_missing", public_keys={CERTS[0]: world.inspectors[0]["public_key"]})
    refused("signature.extra_public_key", public_keys={**world.public_keys(data), CERTS[2]: world.inspectors[2]["public_key"]})
    refused("record.not_canonical", record=data + b" ")
    refused("bundle.evidence_unavailable", evidence={})
    refused("bundle.evidence_corrupt", evidence={**world.openers(), shas[2]: lambda: io.BytesIO(b"damaged")})
    refused("bundle.amendment_not_in_chain", amends=[chained[1][:2]])
    r3, s3 = chained[3][:2]
    refused("bundle.amendment_not_given", record=r3, signatures=s3, public_keys=world.public_keys(r3),
            amends=[chained[1][:2]])
