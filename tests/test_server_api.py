"""The county server over real HTTP on loopback (SQLite, and PostgreSQL when configured):
enrolment and tokens, record pushes with signed receipts, idempotency, every refusal's stable code,
privacy between devices, pulls, and the admin commands."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import tempfile
import sys

import httpx
import pytest
from sqlalchemy import func, select

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import canonical_bytes
from sync.protocol import wire
from server_fixtures import *  # noqa: F401,F403
from server_fixtures import ROOT, Inspector


def push(server, token, data, sigs):
    return httpx.post(server.url + "/api/v1/records", headers=auth(token),
                      json={"record": signing.b64(data), "signatures": sigs}, timeout=30)


@pytest.fixture(scope="module")
def registered(server, inspectors):
    register(server, inspectors)
    return inspectors


def upload(server, token, data: bytes) -> httpx.Response:
    """A whole blob in one tus PATCH."""
    sha = sha256_hex(data)
    h = {**auth(token), "Tus-Resumable": "1.0.0"}
    r = httpx.post(server.url + "/api/v1/uploads/", headers={
        **h, "Upload-Length": str(len(data)), "Upload-Metadata": wire.encode_metadata({"sha256": sha})})
    assert r.status_code in (200, 201), r.text
    if r.status_code == 200:
        return r
    return httpx.patch(server.url + r.headers["Location"], content=data, headers={
        **h, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})


def test_enrol_push_with_evidence_and_verify_the_receipt(server, registered):
    device = enrol(server)
    photo, clip = blob(300_000, 1), blob(1_000_000, 2)
    evidence = [(sha256_hex(photo), len(photo)), (sha256_hex(clip), len(clip))]
    data, sigs, h = signed_record(registered, device["device_id"], evidence=evidence, audit_seq=10)

    r = push(server, device["token"], data, sigs)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["hash"] == h and answer["status"] == "pending"
    assert answer["missing"] == sorted(sha for sha, _ in evidence)

    # The receipt verifies under the key GET /server-key publishes (and enrolment returned).
    key = httpx.get(server.url + "/api/v1/server-key").json()["public_key"]
    assert key == device["server_public_key"] == server.public_key
    assert wire.receipt_problems(answer, key, record=h, device=device["device_id"]) == []
    receipt = answer["receipt"]
    assert receipt["format"] == "inspector.receipt/1" and isinstance(receipt["seq"], int)
    assert receipt["audit_head"]["seq"] == 10 and receipt["server_time"].endswith("+00:00")
    assert signing.verify(signing.unb64(key), signing.unb64(answer["signature"]), canonical_bytes(receipt))
    tampered = dict(receipt, seq=receipt["seq"] + 1)
    assert wire.receipt_problems({"receipt": tampered, "signature": answer["signature"]}, key)

    # Evidence arrives: the record becomes complete.
    assert upload(server, device["token"], photo).status_code == 204
    got = httpx.get(server.url + f"/api/v1/records/{h}", headers=auth(device["token"])).json()
    assert got["status"] == "pending" and got["missing"] == [sha256_hex(clip)]
    assert upload(server, device["token"], clip).status_code == 204
    got = httpx.get(server.url + f"/api/v1/records/{h}", headers=auth(device["token"])).json()
    assert got["status"] == "complete" and got["missing"] == []
    assert base64.b64decode(got["record"]) == data and got["signatures"] == sigs
    assert got["receipt"] == receipt and got["signature"] == answer["signature"]

    # The admin reads it too, and the device can read its evidence back.
    with server.admin_client() as admin:
        assert admin.get(f"/api/v1/records/{h}").json()["status"] == "complete"
    r = httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(clip)}", headers=auth(device["token"]))
    assert r.status_code == 200 and r.content == clip
    assert httpx.head(server.url + f"/api/v1/evidence/{sha256_hex(photo)}", headers=auth(device["token"])).status_code == 200


def test_the_same_push_twice_is_stored_once_with_the_same_receipt(server, registered):
    device = enrol(server)
    data, sigs, h = signed_record(registered, device["device_id"], evidence=[], audit_seq=5)
    first = push(server, device["token"], data, sigs)
    again = push(server, device["token"], data, sigs)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and first.json()["status"] == "complete"
    from sync.server.records.models import StoredRecord

    db = server.db()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredRecord).where(StoredRecord.hash == h)) == 1
    db.close()
    # Same record, different signature bytes: a coded conflict, nothing stored.
    forged = [dict(sigs[0], signature=signing.b64(bytes(64))), sigs[1]]
    r = push(server, device["token"], data, forged)
    assert r.status_code == 409 and r.json()["code"] == "sync.conflict"


def test_concurrent_identical_pushes_store_one_record(server, registered):
    from concurrent.futures import ThreadPoolExecutor

    device = enrol(server)
    data, sigs, h = signed_record(registered, device["device_id"], audit_seq=3)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: push(server, device["token"], data, sigs), range(6)))
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert {a.status_code for a in answers} <= {200, 201}
    assert len({json.dumps(a.json()["receipt"], sort_keys=True) for a in answers}) == 1


def test_refusals_have_stable_codes(server, registered):
    device = enrol(server)
    token = device["token"]
    data, sigs, h = signed_record(registered, device["device_id"], audit_seq=7)

    def code(r, status):
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"code", "message_zh", "message_en", "detail"}
        return body["code"]

    url = server.url + "/api/v1/records"
    assert code(httpx.post(url, headers=auth(token), content=b"{not json"), 400) == "sync.malformed"
    assert code(httpx.post(url, headers=auth(token), json={"record": "***", "signatures": sigs}), 400) == "sync.malformed"
    assert code(httpx.post(url, headers=auth(token), json={"record": signing.b64(data)}), 400) == "sync.malformed"
    pretty = json.dumps(json.loads(data), indent=1, ensure_ascii=False).encode()
    assert code(push(server, token, pretty, sigs), 422) == "sync.not_canonical"
    bad = json.loads(data)
    bad["inspectors"] = bad["inspectors"][:1]
    assert code(push(server, token, canonical_bytes(bad), sigs), 422) == "sync.invalid_record"
    # Signed by a key nobody registered.
    strangers = [Inspector("陌生人甲", "XX-0001"), Inspector("陌生人乙", "XX-0002")]
    sdata, ssigs, _ = signed_record(strangers, device["device_id"], audit_seq=7)
    r = push(server, token, sdata, ssigs)
    assert code(r, 422) == "sync.unknown_key" and r.json()["detail"]["cert"] == "XX-0001"
    # A registered certificate with a different key is just as unknown.
    impostor = [Inspector(registered[0].name, registered[0].cert), registered[1]]
    idata, isigs, _ = signed_record(impostor, device["device_id"], audit_seq=7)
    assert code(push(server, token, idata, isigs), 422) == "sync.unknown_key"
    # A signature that does not verify.
    broken = [sigs[0], dict(sigs[1], signature=sigs[0]["signature"])]
    assert code(push(server, token, data, broken), 422) == "sync.bad_signature"
    # Another device's record.
    odata, osigs, _ = signed_record(registered, "some-other-device", audit_seq=7)
    assert code(push(server, token, odata, osigs), 403) == "sync.wrong_device"
    # Too large.
    huge = "A" * (12 * 1024 * 1024)
    assert code(httpx.post(url, headers=auth(token), json={"record": huge, "signatures": sigs}), 413) == "sync.too_large"
    # Nothing of the above was stored.
    from sync.server.records.models import StoredRecord

    db = server.db()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredRecord).where(
            StoredRecord.device != None, StoredRecord.inspection_id == json.loads(data)["inspection_id"])) == 0  # noqa: E711
    db.close()


def test_audit_head_must_not_go_back(server, registered):
    device = enrol(server)
    token, did = device["token"], device["device_id"]
    for seq, status in ((20, 201), (20, 201), (25, 201)):
        data, sigs, _ = signed_record(registered, did, audit_seq=seq)
        if seq == 20 and status == 201 and "first" in locals():
            # same seq, different hash: a forked chain
            payload = json.loads(data)
            payload["audit_head"]["hash"] = "cd" * 32
            from inspector_app.domain import record as rr

            data = rr.record_bytes(payload)
            sigs = rr.sign_record(data, [(i.cert, i.private) for i in registered])
            r = push(server, token, data, sigs)
            assert r.status_code == 409 and r.json()["code"] == "sync.audit_regressed"
            continue
        first = True
        assert push(server, token, data, sigs).status_code == status
    data, sigs, _ = signed_record(registered, did, audit_seq=24)
    r = push(server, token, data, sigs)
    assert r.status_code == 409 and r.json()["code"] == "sync.audit_regressed"
    assert r.json()["detail"]["last_head"]["seq"] == 25


def test_tokens_revocation_and_one_time_codes(server, registered):
    device = enrol(server)
    token = device["token"]
    numbers = server.url + "/api/v1/sync/numbers"
    assert httpx.get(numbers, headers=auth(token)).status_code == 200
    r = httpx.get(numbers)
    assert r.status_code == 401 and r.json()["code"] == "sync.unauthorised"
    r = httpx.get(numbers, headers=auth("not-a-token"))
    assert r.status_code == 401 and r.json()["code"] == "sync.unauthorised"
    r = httpx.get(numbers, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status_code == 401 and r.json()["code"] == "sync.unauthorised"
    # Tokens are stored hashed only.
    from sync.server.devices.models import Device

    db = server.db()
    with db.read() as s:
        row = s.scalar(select(Device).where(Device.name == device["name"]))
        assert row.token_hash == sha256_hex(token.encode()) and token not in json.dumps(
            {c.name: getattr(row, c.name) for c in Device.__table__.columns}, default=str)
    db.close()

    assert server.admin("revoke-device", device["name"])["status"] == "revoked"
    r = httpx.get(numbers, headers=auth(token))
    assert r.status_code == 401 and r.json()["code"] == "sync.device_revoked"
    data, sigs, _ = signed_record(registered, device["device_id"], audit_seq=1)
    r = push(server, token, data, sigs)
    assert r.status_code == 401 and r.json()["code"] == "sync.device_revoked"

    # A code works once; an expired one never.
    code = server.admin("enrol-device", "laptop-once")["code"]
    body = {"code": code, "name": "x", "public_key": signing.b64(bytes(32)), "device_id": "once-device"}
    assert httpx.post(server.url + "/api/v1/devices/enrol", json=body).status_code == 200
    r = httpx.post(server.url + "/api/v1/devices/enrol", json=body)
    assert r.status_code == 401 and r.json()["code"] == "sync.bad_enrolment_code"
    expired = server.admin("enrol-device", "laptop-late", "--ttl", "-1")["code"]
    r = httpx.post(server.url + "/api/v1/devices/enrol", json=dict(body, code=expired, device_id="late"))
    assert r.status_code == 401 and r.json()["code"] == "sync.bad_enrolment_code"
    # The admin secret is not a device.
    with server.admin_client() as admin:
        r = admin.get("/api/v1/sync/numbers")
        assert r.status_code == 403 and r.json()["code"] == "sync.forbidden"


def test_a_device_cannot_read_another_devices_data(server, registered):
    a, b = enrol(server), enrol(server)
    photo = blob(50_000, 9)
    data, sigs, h = signed_record(registered, a["device_id"], evidence=[(sha256_hex(photo), len(photo))], audit_seq=2)
    assert push(server, a["token"], data, sigs).status_code == 201
    assert upload(server, a["token"], photo).status_code == 204
    server.admin("allocate-numbers", "--device", a["name"], "--prefix", "应急责改", "--year", "2026", "--count", "100")
    r = httpx.get(server.url + f"/api/v1/records/{h}", headers=auth(b["token"]))
    assert r.status_code == 404 and r.json()["code"] == "sync.not_found"
    r = httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(photo)}", headers=auth(b["token"]))
    assert r.status_code == 404
    assert httpx.get(server.url + "/api/v1/sync/numbers", headers=auth(b["token"])).json() == {"blocks": []}
    blocks = httpx.get(server.url + "/api/v1/sync/numbers", headers=auth(a["token"])).json()["blocks"]
    assert len(blocks) == 1 and blocks[0]["end"] - blocks[0]["start"] == 99


def test_pulls_catalogues_enterprises_numbers_assignments(server, registered, tmp_path):
    device = enrol(server)
    h = auth(device["token"])
    server.admin("add-inspector", "--name", registered[0].name, "--cert", registered[0].cert,
                 "--public-key", registered[0].public, "--device", device["name"])
    out = server.admin("publish-catalogue", str(ROOT / "checklists" / "hazchem-registration-special-2025.toml"))
    cats = httpx.get(server.url + "/api/v1/sync/catalogues", headers=h).json()["catalogues"]
    assert any(c["id"] == out["id"] and c["sha256"] == out["sha256"] and "[[items]]" in c["toml"] for c in cats)
    bad = tmp_path / "bad.toml"
    bad.write_text("id = 1\n")
    server.admin("publish-catalogue", str(bad), expect=1)

    from inspector_app.demo import demo_enterprises
    from dataclasses import asdict

    county = [asdict(e) for e in demo_enterprises(5)]
    (tmp_path / "e.json").write_text(json.dumps(county, ensure_ascii=False))
    before = httpx.get(server.url + "/api/v1/sync/enterprises", headers=h).json()["cursor"]
    assert server.admin("import-enterprises", str(tmp_path / "e.json"))["changed"] == 5
    assert server.admin("import-enterprises", str(tmp_path / "e.json"))["changed"] == 0
    page = httpx.get(server.url + "/api/v1/sync/enterprises", params={"since": before, "limit": 3}, headers=h).json()
    assert len(page["enterprises"]) == 3 and page["more"]
    rest = httpx.get(server.url + "/api/v1/sync/enterprises", params={"since": page["cursor"]}, headers=h).json()
    assert {e["code"] for e in page["enterprises"] + rest["enterprises"]} == {e["code"] for e in county}
    assert not rest["more"]

    server.admin("allocate-numbers", "--device", device["name"], "--prefix", "应急责改", "--year", "2026", "--count", "100")
    blocks = httpx.get(server.url + "/api/v1/sync/numbers", headers=h).json()["blocks"]
    assert [(b["prefix"], b["year"], b["end"] - b["start"] + 1) for b in blocks] == [("应急责改", 2026, 100)]

    mine = server.admin("add-assignment", "--enterprise", county[0]["code"], "--inspectors",
                        f"{registered[0].cert},{registered[1].cert}", "--title", "双随机抽查", "--due", "2026-12-31")
    server.admin("add-assignment", "--enterprise", county[1]["code"], "--inspectors", "NOBODY-1,NOBODY-2")
    tasks = httpx.get(server.url + "/api/v1/sync/assignments", headers=h).json()["assignments"]
    assert [t["id"] for t in tasks] == [mine["id"]]


def test_admin_reverify_finds_a_damaged_blob(server, registered):
    device = enrol(server)
    data = blob(10_000, 77)
    assert upload(server, device["token"], data).status_code == 204
    assert server.admin("reverify")["mismatched"] == []
    path = server.data_dir / "blobs" / sha256_hex(data)[:2] / sha256_hex(data)[2:4] / sha256_hex(data)
    os.chmod(path, 0o640)
    path.write_bytes(b"x" + data[1:])
    out = server.admin("reverify", expect=1)
    assert [m["sha256"] for m in out["mismatched"]] == [sha256_hex(data)]
    path.write_bytes(data)


def test_openapi_is_published(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    for path in ("/api/v1/devices/enrol", "/api/v1/records", "/api/v1/records/{record_hash}", "/api/v1/uploads/",
                 "/api/v1/uploads/{upload_id}", "/api/v1/evidence/{sha256}", "/api/v1/server-key",
                 "/api/v1/sync/catalogues", "/api/v1/sync/enterprises", "/api/v1/sync/numbers",
                 "/api/v1/sync/assignments"):
        assert path in spec["paths"], path


def test_serve_refuses_missing_default_or_exposed_secrets(tmp_path):
    def serve(data_dir, **env):
        return subprocess.run([sys.executable, "-m", "sync.server.cli", "--data-dir", str(data_dir), "serve",
                               "--port", str(free_port())], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, INSPECTOR_LANG="en", **env))

    r = serve(tmp_path / "empty")
    assert r.returncode == 1 and "inspector-server init" in r.stderr
    ServerProcess(tmp_path / "s")  # init
    (tmp_path / "s" / "admin-secret").write_text("changeme\n")
    r = serve(tmp_path / "s")
    assert r.returncode == 1 and "known default" in r.stderr
    r = serve(tmp_path / "s", INSPECTOR_SERVER_ADMIN_SECRET="admin")
    assert r.returncode == 1 and "known default" in r.stderr
    os.chmod(tmp_path / "s" / "server-signing-key", 0o644)
    r = serve(tmp_path / "s", INSPECTOR_SERVER_ADMIN_SECRET="x" * 40)
    assert r.returncode == 1 and "0600" in r.stderr
    init = ServerProcess.__new__(ServerProcess)
    init.data_dir = tmp_path / "s"
    out = init.cli("init", expect=1)  # never silently replaces keys
    assert stat.S_IMODE((tmp_path / "s" / "admin-secret").stat().st_mode) == 0o600


def test_enrolment_code_as_text_and_qr(server, tmp_path):
    out = server.admin("enrol-device", "laptop-qr", "--qr", str(tmp_path / "code.png"))
    assert len(out["code"]) == 19 and out["code"].count("-") == 3
    from PIL import Image

    assert Image.open(tmp_path / "code.png").size[0] > 100
    text = server.cli("admin", "enrol-device", "laptop-qr")
    assert "█" in text and "-" in text


def test_non_durable_bookkeeping_leaves_every_other_transaction_durable(db_kind):
    """An upload's acknowledged offset is committed without waiting for the disk (losing it in a
    power cut costs a re-send); that must not leak into the pooled connection's next transaction."""
    from sqlalchemy import text

    from sync.server.db import Database

    with database(db_kind) as url, tempfile.TemporaryDirectory() as tmp:
        db = Database(url or f"sqlite:///{tmp}/server.db")
        try:
            db.migrate()
            if db.dialect == "postgresql":  # the throwaway test server runs with it off
                with db.engine.connect() as conn:
                    conn.exec_driver_sql(f"ALTER DATABASE {conn.engine.url.database} SET synchronous_commit = on")
                    conn.commit()
                db.engine.dispose()
            ask = "PRAGMA synchronous" if db.dialect == "sqlite" else "SHOW synchronous_commit"
            relaxed, full = ("1", "2") if db.dialect == "sqlite" else ("off", "on")
            for _ in range(3):
                with db.write(durable=False) as s:
                    assert str(s.execute(text(ask)).scalar()) == relaxed
                with db.write() as s:
                    assert str(s.execute(text(ask)).scalar()) == full
                with db.read() as s:
                    assert str(s.execute(text(ask)).scalar()) == full
        finally:
            db.close()
