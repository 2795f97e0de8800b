"""Mutated bundles never crash the verifier: the answer is genuine only if the content is untouched."""
from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
import warnings
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector_app.crypto import signing
from inspector_app.domain import bundle as bnd
from inspector_app.domain import record as rec

SETTINGS = settings(max_examples=int(os.environ.get("INSPECTOR_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.lru_cache(maxsize=None)
def original() -> tuple[bytes, str, tuple[str, ...]]:
    """A small genuine bundle with two evidence files and one amended record."""
    keys = [signing.generate_private_key() for _ in range(2)]
    inspectors = [{"name": n, "cert": c, "public_key": signing.b64(signing.public_key_of(k))}
                  for n, c, k in zip(("王五", "赵六"), ("35010001", "35010002"), keys)]
    blobs = [b"evidence one" * 20, bytes(range(256)) * 3]
    shas = [hashlib.sha256(b).hexdigest() for b in blobs]
    signers = [("35010001", keys[0]), ("35010002", keys[1])]
    first = rec.record_bytes(rec.example_payload(inspectors, evidence=[(shas[0], len(blobs[0]))], findings=1))
    first_sigs = rec.sign_record(first, signers)
    payload = rec.example_payload(inspectors, evidence=[(s, len(b)) for s, b in zip(shas, blobs)], findings=1,
                                  amends={"record": rec.record_hash(first), "reason": "补充证据"})
    data = rec.record_bytes(payload)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "b.zip")
        bnd.write_bundle(path, record=data, signatures=rec.sign_record(data, signers),
                         public_keys={i["cert"]: i["public_key"] for i in inspectors},
                         evidence={s: (lambda b=b: io.BytesIO(b)) for s, b in zip(shas, blobs)},
                         amends=[(first, first_sigs)])
        with open(path, "rb") as fh:
            raw = fh.read()
    verdict = bnd.verify_bundle(io.BytesIO(raw))
    assert verdict.genuine, verdict.render("en")
    return raw, verdict.record_hash, tuple(verdict.chain)


def check(raw: bytes) -> None:
    verdict = bnd.verify_bundle(io.BytesIO(raw))  # must not raise
    assert not [c for c in verdict.checks if c.code == "bundle.internal_error"], verdict.render("en")
    assert verdict.exit_code in (0, 1, 2)
    assert verdict.exit_code == (2 if not verdict.is_bundle else 0 if verdict.genuine else 1)
    assert verdict.render("zh") and verdict.render("en")
    if verdict.genuine:
        _, record_hash, chain = original()
        # Genuine only when what matters is untouched (a flipped timestamp or CRC of a stored
        # evidence file changes no content and may legitimately still verify).
        assert verdict.record_hash == record_hash and tuple(verdict.chain) == chain


@SETTINGS
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
                      min_size=1, max_size=8))
def test_flipped_bytes(flips):
    raw = bytearray(original()[0])
    for position, mask in flips:
        raw[position % len(raw)] ^= mask
    check(bytes(raw))


@SETTINGS
@given(cut=st.integers(min_value=0), tail=st.binary(max_size=64), where=st.sampled_from(["truncate", "append", "insert"]))
def test_truncated_and_padded(cut, tail, where):
    raw = original()[0]
    cut %= len(raw) + 1
    if where == "truncate":
        mutated = raw[:cut]
    elif where == "append":
        mutated = raw + tail
    else:
        mutated = raw[:cut] + tail + raw[cut:]
    check(mutated)


INTERESTING_NAMES = st.sampled_from([
    "record.json", "signatures.json", "public_keys.json", "bundle.json", "evidence/", "amends/",
    "../record.json", "/record.json", "evidence\\x", "evidence/" + "0" * 64, "amends/" + "0" * 64 + ".json",
    "RECORD.JSON", "record.json/", "", "é.json", "a" * 300,
])

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("drop"), st.integers(min_value=0)),
    st.tuples(st.just("duplicate"), st.integers(min_value=0)),
    st.tuples(st.just("rename"), st.integers(min_value=0), st.one_of(INTERESTING_NAMES, st.text(max_size=20))),
    st.tuples(st.just("replace"), st.integers(min_value=0), st.binary(max_size=200)),
    st.tuples(st.just("flip"), st.integers(min_value=0), st.integers(min_value=0), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(min_value=0), st.integers(min_value=0)),
    st.tuples(st.just("swap"), st.integers(min_value=0), st.integers(min_value=0)),
    st.tuples(st.just("method"), st.integers(min_value=0), st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])),
), min_size=1, max_size=5)


@SETTINGS
@given(operations=OPERATIONS)
def test_mutated_members(operations):
    with zipfile.ZipFile(io.BytesIO(original()[0])) as zf:
        entries = [[info.filename, zf.read(info), info.compress_type] for info in zf.infolist()]
    for op, index, *args in operations:
        if not entries:
            break
        i = index % len(entries)
        if op == "drop":
            entries.pop(i)
        elif op == "duplicate":
            entries.insert(i, list(entries[i]))
        elif op == "rename":
            entries[i][0] = args[0]
        elif op == "replace":
            entries[i][1] = args[0]
        elif op == "flip" and entries[i][1]:
            body = bytearray(entries[i][1])
            body[args[0] % len(body)] ^= args[1]
            entries[i][1] = bytes(body)
        elif op == "truncate":
            entries[i][1] = entries[i][1][:args[0] % (len(entries[i][1]) + 1)]
        elif op == "swap":
            j = args[0] % len(entries)
            entries[i], entries[j] = entries[j], entries[i]
        elif op == "method":
            entries[i][2] = args[0]
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w") as zf:
            for name, body, method in entries:
                if not name or name.endswith("/") and body:
                    name = name + "x"
                zf.writestr(zipfile.ZipInfo(name), body, compress_type=method)
    check(out.getvalue())


@settings(max_examples=100, deadline=None)
@given(junk=st.binary(max_size=2000))
def test_arbitrary_bytes(junk):
    verdict = bnd.verify_bundle(io.BytesIO(junk))
    assert not verdict.genuine and verdict.exit_code == 2
