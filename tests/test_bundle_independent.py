"""An independent verifier written from docs/bundle-format.md alone.

It uses only zipfile, json, hashlib, base64, re and `cryptography`; the project is imported only to
build the bundles it checks. If this and `inspector verify` ever disagree, the document, the app
or both are wrong.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import zipfile

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# --- the independent verifier (docs/bundle-format.md §6) -----------------------------------------
HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_MEMBERS, MAX_JSON, MAX_RATIO, RATIO_FLOOR, MAX_INFLATED, MAX_CHAIN = 100_000, 32 << 20, 100, 1 << 20, 4 << 30, 1000


def unsafe(name: str) -> bool:
    parts = name.split("/")
    return (not name or name.startswith("/") or "\\" in name or re.match(r"[A-Za-z]:", name) is not None
            or any(ord(c) < 0x20 or c == "\x7f" for c in name) or any(p in ("", ".", "..") for p in parts))


def b64(text: str, size: int) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != size or base64.b64encode(raw).decode() != text:
        raise ValueError("bad base64")
    return raw


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate member name")
    return dict(pairs)


def strict_json(data: bytes):
    return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)


def canonical(data: bytes) -> bool:
    value = json.loads(data.decode("utf-8"))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8") == data


def check_record(name: str, data: bytes, signatures, problems: list[str]):
    """V4-V6 for one record; returns the parsed record or None."""
    try:
        record = strict_json(data)
    except ValueError:
        problems.append(f"{name}: not JSON")
        return None
    if not canonical(data):
        problems.append(f"{name}: not canonical")
    if not isinstance(record, dict) or record.get("schema") != "inspector.record/1":
        problems.append(f"{name}: unknown schema")
        return None
    inspectors = record["inspectors"]
    certs = [i["cert"] for i in inspectors]
    if len(certs) < 2 or len(set(certs)) != len(certs) or len({i["public_key"] for i in inspectors}) != len(certs):
        problems.append(f"{name}: needs two or more distinct officers")
    items = {i["item"]: i["result"] for i in record["items"]}
    evidence = {e["sha256"] for e in record["evidence"]}
    for finding in record["findings"]:
        if items.get(finding["item"]) != "violation":
            problems.append(f"{name}: finding {finding['id']} does not cite a violated item")
        if not set(finding["evidence"]) <= evidence:
            problems.append(f"{name}: finding {finding['id']} cites unlisted evidence")
    seen = set()
    for entry in signatures if isinstance(signatures, list) else []:
        cert = entry.get("cert") if isinstance(entry, dict) else None
        if cert in seen:
            problems.append(f"{name}: duplicate signature {cert}")
        seen.add(cert)
        if cert not in certs:
            problems.append(f"{name}: signature by unknown key {cert}")
    for inspector in inspectors:
        mine = [s for s in signatures if isinstance(s, dict) and s.get("cert") == inspector["cert"]]
        if not mine:
            problems.append(f"{name}: {inspector['cert']} has not signed")
            continue
        try:
            key = Ed25519PublicKey.from_public_bytes(b64(inspector["public_key"], 32))
            key.verify(b64(mine[0]["signature"], 64), data)
        except (ValueError, InvalidSignature):
            problems.append(f"{name}: signature of {inspector['cert']} is invalid")
    return record


def independent_verify(source) -> list[str]:
    """Problems found; an empty list means genuine. Raises only if the file is not a zip at all."""
    problems: list[str] = []
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return ["too many members"]
        names = [i.filename for i in infos]
        usable = {}
        inflated = 0
        for info in infos:
            n = info.filename
            if names.count(n) > 1:
                problems.append(f"duplicate member {n}")
            elif unsafe(n):
                problems.append(f"unsafe name {n}")
            elif info.flag_bits & 1 or info.compress_type not in (0, 8):
                problems.append(f"encrypted or unsupported member {n}")
            elif info.compress_type == 0 and info.compress_size != info.file_size:
                problems.append(f"size mismatch {n}")
            elif info.compress_type == 8 and info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                problems.append(f"zip bomb {n}")
            else:
                inflated += info.file_size if info.compress_type == 8 else 0
                if inflated > MAX_INFLATED:
                    problems.append(f"zip bomb {n}")
                else:
                    usable[n] = info

        def read(name, limit=MAX_JSON):
            info = usable.get(name)
            if info is None or info.file_size > limit:
                problems.append(f"missing or unreadable {name}")
                return None
            try:
                return zf.read(info)
            except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
                problems.append(f"corrupt {name}: {exc}")
                return None

        def read_json(name):
            data = read(name)
            try:
                return None if data is None else strict_json(data)
            except ValueError:
                problems.append(f"{name}: not JSON")
                return None

        manifest = read_json("bundle.json")
        if manifest is None or not isinstance(manifest, dict) or manifest.get("format") != "inspector.bundle/1":
            problems.append("bundle.json does not say inspector.bundle/1")
        expected = {"bundle.json", "record.json", "signatures.json", "public_keys.json"}
        data = read("record.json")
        if data is None:
            return problems
        record = check_record("record.json", data, read_json("signatures.json") or [], problems)
        if record is None:
            return problems
        if read_json("public_keys.json") != {i["cert"]: i["public_key"] for i in record["inspectors"]}:
            problems.append("public_keys.json differs from the record's keys")
        sizes: dict[str, set[int]] = {}
        chain = [record]
        current = record
        while current["amends"] is not None and len(chain) <= MAX_CHAIN:
            target = current["amends"]["record"]
            name = f"amends/{target}.json"
            expected |= {name, f"amends/{target}.signatures.json"}
            older_bytes = read(name)
            if older_bytes is None or hashlib.sha256(older_bytes).hexdigest() != target:
                problems.append(f"amendment chain broken at {target}")
                break
            current = check_record(name, older_bytes, read_json(f"amends/{target}.signatures.json") or [], problems)
            if current is None:
                break
            chain.append(current)
        for r in chain:
            for e in r["evidence"]:
                sizes.setdefault(e["sha256"], set()).add(e["size"])
        for sha, declared in sizes.items():
            name = f"evidence/{sha}"
            expected.add(name)
            info = usable.get(name)
            if info is None:
                problems.append(f"missing evidence {sha}")
                continue
            digest, size = hashlib.sha256(), 0
            with zf.open(info) as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
            if digest.hexdigest() != sha or declared != {size}:
                problems.append(f"evidence {sha} altered")
        for name in sorted(set(names) - expected):
            problems.append(f"extra file {name}")
        for name in sorted(expected - set(names)):
            problems.append(f"missing file {name}")
    return problems


# --- bundles to check, built with the project ---------------------------------------------------
@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    from inspector_app.crypto import signing
    from inspector_app.domain import bundle, record

    keys = [signing.generate_private_key() for _ in range(3)]
    people = [{"name": n, "cert": c, "public_key": signing.b64(signing.public_key_of(k))}
              for n, c, k in zip(("王五", "赵六", "钱七"), ("35010001", "35010002", "35010003"), keys)]
    blobs = {hashlib.sha256(b).hexdigest(): b for b in (os.urandom(3000), b"video" * 4000, os.urandom(2 << 20))}
    shas = list(blobs)

    def make(evidence, amends=None, who=(0, 1)):
        payload = record.example_payload([people[i] for i in who], evidence=[(s, len(blobs[s])) for s in evidence],
                                         findings=2, amends=amends)
        data = record.record_bytes(payload)
        return data, record.sign_record(data, [(people[i]["cert"], keys[i]) for i in who])

    r1, s1 = make(shas[:2])
    r2, s2 = make(shas[1:], amends={"record": record.record_hash(r1), "reason": "更正"}, who=(1, 2))
    r3, s3 = make(shas, amends={"record": record.record_hash(r2), "reason": "再更正"})
    root = tmp_path_factory.mktemp("independent")
    openers = {s: (lambda b=b: io.BytesIO(b)) for s, b in blobs.items()}
    single = root / "single.zip"
    bundle.write_bundle(single, record=r1, signatures=s1, evidence=openers,
                        public_keys={p["cert"]: p["public_key"] for p in people[:2]})
    chain = root / "chain.zip"
    bundle.write_bundle(chain, record=r3, signatures=s3, evidence=openers, amends=[(r1, s1), (r2, s2)],
                        public_keys={p["cert"]: p["public_key"] for p in people[:2]})
    return {"single": single, "chain": chain, "hashes": (record.record_hash(r1), record.record_hash(r2)),
            "keys": keys, "people": people, "r1": r1, "s1": s1}


def app_verdict(path):
    from inspector_app.domain.bundle import verify_bundle

    return verify_bundle(path)


def copy_zip(src, dst, *, replace=None, drop=(), add=()):
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                zout.writestr(info, replace.get(info.filename, zin.read(info)))
        for name, data in add:
            zout.writestr(name, data)
    return dst


@pytest.mark.parametrize("which", ["single", "chain"])
def test_independent_verifier_accepts_real_bundles(bundles, which):
    assert independent_verify(bundles[which]) == []
    assert app_verdict(bundles[which]).genuine


def test_independent_verifier_rejects_tampering(bundles, tmp_path):
    chain, single = bundles["chain"], bundles["single"]
    h1, h2 = bundles["hashes"]
    with zipfile.ZipFile(single) as zf:
        record_bytes = zf.read("record.json")
        evidence = sorted(n for n in zf.namelist() if n.startswith("evidence/"))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = base64.b64encode(Ed25519PrivateKey.generate().sign(record_bytes)).decode()
    signatures = json.loads(zipfile.ZipFile(single).read("signatures.json"))
    cases = {
        "flipped": copy_zip(single, tmp_path / "a.zip",
                            replace={"record.json": record_bytes.replace("甲类".encode(), "丙类".encode())}),
        "pretty": copy_zip(single, tmp_path / "b.zip",
                           replace={"record.json": json.dumps(json.loads(record_bytes), indent=1, ensure_ascii=False).encode()}),
        "evidence": copy_zip(single, tmp_path / "c.zip", replace={evidence[0]: b"replaced"}),
        "extra": copy_zip(single, tmp_path / "d.zip", add=[("readme.txt", b"hi")]),
        "missing": copy_zip(single, tmp_path / "e.zip", drop={evidence[1]}),
        "unknown key": copy_zip(single, tmp_path / "f.zip", replace={"signatures.json": json.dumps(
            signatures + [{"cert": "35019999", "signature": stranger}]).encode()}),
        "broken chain": copy_zip(chain, tmp_path / "g.zip", drop={f"amends/{h1}.json", f"amends/{h1}.signatures.json"}),
        "swapped amendment": copy_zip(chain, tmp_path / "h.zip", replace={f"amends/{h2}.json": bundles["r1"]}),
        "traversal": copy_zip(single, tmp_path / "i.zip", add=[("../../x", b"x")]),
    }
    for label, path in cases.items():
        assert independent_verify(path), f"independent verifier accepted: {label}"
        assert not app_verdict(path).genuine, f"app accepted: {label}"
