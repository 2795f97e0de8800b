"""Evidence uploads over tus 1.0 against a real server: the protocol's rules with their stable
codes, deduplication, a standard client (tuspy), a connection cut mid-chunk, and kill -9 of the
server mid-upload."""
from __future__ import annotations

import base64
import hashlib
import io
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from sync.protocol import wire
from sync.protocol.errors import SyncError
from server_fixtures import *  # noqa: F401,F403

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture(scope="module")
def device(server):
    return enrol(server)


def create(server, token, data: bytes, sha: str | None = None, length: int | None = None) -> httpx.Response:
    return httpx.post(server.url + "/api/v1/uploads/", headers={
        **auth(token), **TUS, "Upload-Length": str(len(data) if length is None else length),
        "Upload-Metadata": wire.encode_metadata({"sha256": sha or sha256_hex(data), "filename": "现场照片.jpg"})})


def patch(server, token, location, offset, data, **extra) -> httpx.Response:
    return httpx.patch(server.url + location, content=data, headers={
        **auth(token), **TUS, **OCTETS, "Upload-Offset": str(offset), **extra}, timeout=60)


def head(server, token, location) -> httpx.Response:
    return httpx.head(server.url + location, headers={**auth(token), **TUS})


def checksum(algorithm: str, data: bytes) -> dict:
    return {"Upload-Checksum": f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"}


def upload_row(server, location):
    from sync.server.uploads.models import Upload

    db = server.db()
    with db.read() as s:
        row = s.get(Upload, location.rsplit("/", 1)[1])
    db.close()
    return row


def test_discovery_and_creation_rules(server, device):
    r = httpx.options(server.url + "/api/v1/uploads/")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Max-Size"] == str(MAX_UPLOAD)
    assert set(r.headers["Tus-Extension"].split(",")) == {"creation", "checksum", "termination", "expiration"}
    assert "sha1" in r.headers["Tus-Checksum-Algorithm"].split(",")
    token = device["token"]
    r = httpx.post(server.url + "/api/v1/uploads/", headers={**auth(token), **TUS, "Upload-Length": "10"})
    assert r.status_code == 400 and r.json()["code"] == "sync.malformed"
    r = httpx.post(server.url + "/api/v1/uploads/", headers={**auth(token), "Tus-Resumable": "0.2.2", "Upload-Length": "1"})
    assert r.status_code == 412 and r.json()["code"] == "sync.tus_version" and r.headers["Tus-Version"] == "1.0.0"
    r = create(server, token, b"", sha="ab" * 32, length=MAX_UPLOAD + 1)
    assert r.status_code == 413 and r.json()["code"] == "sync.too_large"
    r = httpx.post(server.url + "/api/v1/uploads/", headers={**auth(token), **TUS, "Upload-Defer-Length": "1",
                                                              "Upload-Metadata": wire.encode_metadata({"sha256": "ab" * 32})})
    assert r.status_code == 400
    r = httpx.post(server.url + "/api/v1/uploads/", headers={**TUS, "Upload-Length": "1"})
    assert r.status_code == 401 and r.json()["code"] == "sync.unauthorised"


def test_offsets_checksums_and_content_type(server, device):
    token = device["token"]
    data = blob(3 * 1024 * 1024, 3)
    r = create(server, token, data)
    assert r.status_code == 201
    loc = r.headers["Location"]
    assert r.headers["Upload-Offset"] == "0" and "GMT" in r.headers["Upload-Expires"]
    one = 1024 * 1024

    r = patch(server, token, loc, 5, data[:one])
    assert r.status_code == 409 and r.json()["code"] == "sync.bad_offset" and r.headers["Upload-Offset"] == "0"
    r = httpx.patch(server.url + loc, content=data[:one], headers={**auth(token), **TUS, "Upload-Offset": "0",
                                                                      "Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["code"] == "sync.unsupported_media_type"
    r = patch(server, token, loc, 0, data[:one], **checksum("sha1", data[1:one + 1]))
    assert r.status_code == 460 and r.json()["code"] == "sync.checksum_mismatch"
    r = patch(server, token, loc, 0, data[:one], **{"Upload-Checksum": "crc32 AAAAAA=="})
    assert r.status_code == 400 and r.json()["code"] == "sync.checksum_algorithm"
    assert head(server, token, loc).headers["Upload-Offset"] == "0"

    r = patch(server, token, loc, 0, data[:one], **checksum("sha1", data[:one]))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(one)
    r = patch(server, token, loc, one, data[one:2 * one], **checksum("sha256", data[one:2 * one]))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(2 * one)
    r = patch(server, token, loc, 2 * one, data[2 * one:] + b"extra bytes")
    assert r.status_code == 413 and r.json()["code"] == "sync.too_large"
    h = head(server, token, loc)
    assert h.status_code == 200 and h.headers["Upload-Offset"] == str(2 * one)
    assert h.headers["Upload-Length"] == str(len(data)) and h.headers["Cache-Control"] == "no-store"
    r = patch(server, token, loc, 2 * one, data[2 * one:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    r = httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(token))
    assert r.content == data
    # Another device cannot see this upload.
    other = enrol(server)
    assert head(server, other["token"], loc).status_code == 404


def test_a_blob_that_does_not_hash_to_its_name_is_deleted(server, device):
    token = device["token"]
    data = blob(200_000, 4)
    liar = sha256_hex(b"something else")
    r = create(server, token, data, sha=liar)
    loc = r.headers["Location"]
    r = patch(server, token, loc, 0, data)
    assert r.status_code == 422 and r.json()["code"] == "sync.hash_mismatch"
    assert r.json()["detail"]["actual"] == sha256_hex(data)
    assert head(server, token, loc).status_code == 404
    assert not (server.data_dir / "uploads" / (loc.rsplit("/", 1)[1] + ".part")).exists()
    assert httpx.head(server.url + f"/api/v1/evidence/{liar}", headers=auth(token)).status_code == 404
    assert httpx.head(server.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(token)).status_code == 404


def test_identical_creation_resumes_and_a_stored_blob_is_not_sent_again(server, device):
    token = device["token"]
    data = blob(500_000, 5)
    first = create(server, token, data)
    patch(server, token, first.headers["Location"], 0, data[:100_000])
    again = create(server, token, data)
    assert again.status_code == 201 and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Upload-Offset"] == "100000"
    r = create(server, token, data, length=len(data) + 1)
    assert r.status_code == 409 and r.json()["code"] == "sync.conflict"
    assert patch(server, token, first.headers["Location"], 100_000, data[100_000:]).status_code == 204
    # Stored now: any device's creation answers 200 "stored", nothing to transfer.
    other = enrol(server)
    r = create(server, other["token"], data)
    assert r.status_code == 200 and r.headers[wire.EVIDENCE_STORED_HEADER] == "stored"
    assert r.headers["Upload-Offset"] == r.headers["Upload-Length"] == str(len(data))
    assert head(server, other["token"], r.headers["Location"]).headers["Upload-Offset"] == str(len(data))
    # …but that claim alone does not let it read the bytes.
    assert httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(other["token"])).status_code == 404


def test_termination(server, device):
    token = device["token"]
    data = blob(100_000, 6)
    loc = create(server, token, data).headers["Location"]
    patch(server, token, loc, 0, data[:10])
    r = httpx.delete(server.url + loc, headers={**auth(token), **TUS})
    assert r.status_code == 204
    assert head(server, token, loc).status_code == 404
    assert not (server.data_dir / "uploads" / (loc.rsplit("/", 1)[1] + ".part")).exists()


def test_tuspy_uploads_a_blob(server, device):
    from tusclient.client import TusClient

    data = blob(2_500_000, 7)
    client = TusClient(server.url + "/api/v1/uploads/", headers=auth(device["token"]))
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=1024 * 1024, upload_checksum=True,
                               metadata={"sha256": sha256_hex(data), "filename": "clip.mp4"})
    uploader.upload()
    assert uploader.offset == len(data)
    r = httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(device["token"]))
    assert r.status_code == 200 and r.content == data


def _cut_patch(server, token, location, offset, data: bytes, send: int, extra: dict | None = None) -> None:
    """A PATCH announcing len(data) bytes whose connection drops after ``send`` of them."""
    head_lines = [f"PATCH {location} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Authorization: Bearer {token}",
                  "Tus-Resumable: 1.0.0", "Content-Type: application/offset+octet-stream",
                  f"Upload-Offset: {offset}", f"Content-Length: {len(data)}"]
    head_lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode())
        s.sendall(data[:send])
        time.sleep(0.2)
    # the server notices the cut, keeps what arrived and acknowledges it (fsync, then the offset)


def _wait_offset(server, token, location, want: int, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while True:
        got = int(head(server, token, location).headers["Upload-Offset"])
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_a_cut_mid_chunk_resumes_from_the_last_byte_received(server, device):
    token = device["token"]
    chunk = 1024 * 1024
    data = blob(4 * chunk, 8)
    loc = create(server, token, data).headers["Location"]
    assert patch(server, token, loc, 0, data[:chunk]).status_code == 204
    # Cut mid-chunk without a checksum: what arrived is kept.
    _cut_patch(server, token, loc, chunk, data[chunk:2 * chunk], send=600_000)
    assert _wait_offset(server, token, loc, chunk + 600_000) == chunk + 600_000
    # Cut mid-chunk with a checksum: the partial chunk cannot be verified, so none of it is kept.
    part = data[chunk + 600_000:chunk + 600_000 + chunk]
    _cut_patch(server, token, loc, chunk + 600_000, part, send=300_000, extra=checksum("sha1", part))
    time.sleep(0.3)
    assert _wait_offset(server, token, loc, chunk + 600_000) == chunk + 600_000
    # Resume from the server's offset.
    offset = int(head(server, token, loc).headers["Upload-Offset"])
    while offset < len(data):
        r = patch(server, token, loc, offset, data[offset:offset + chunk])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    row = upload_row(server, loc)
    assert row.state == "done"
    # Server-side byte count: every byte once, plus at most the one cut chunk's partial re-send.
    assert len(data) <= row.received <= len(data) + chunk
    assert httpx.get(server.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(token)).content == data


def test_kill_9_of_the_server_mid_upload_loses_nothing_acknowledged(make_server):
    srv = make_server().start()
    dev = enrol(srv)
    token = dev["token"]
    chunk = 2 * 1024 * 1024
    data = blob(12 * chunk, 9)
    loc = create(srv, token, data).headers["Location"]
    acknowledged = 0
    for _ in range(4):
        r = patch(srv, token, loc, acknowledged, data[acknowledged:acknowledged + chunk])
        assert r.status_code == 204
        acknowledged = int(r.headers["Upload-Offset"])

    # A PATCH in flight when the server dies.
    started = threading.Event()

    def slow_body():
        for i in range(0, chunk, 256 * 1024):
            yield data[acknowledged + i:acknowledged + i + 256 * 1024]
            started.set()
            time.sleep(0.05)

    errors = []

    def in_flight():
        try:
            httpx.patch(srv.url + loc, content=slow_body(), headers={
                **auth(token), **TUS, **OCTETS, "Upload-Offset": str(acknowledged), "Content-Length": str(chunk)},
                timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    t = threading.Thread(target=in_flight)
    t.start()
    started.wait(10)
    time.sleep(0.15)
    srv.kill9()
    t.join(30)
    assert errors, "the in-flight PATCH should have failed"

    srv.start()  # same data dir, same database, same port
    offset = int(head(srv, token, loc).headers["Upload-Offset"])
    assert offset == acknowledged  # everything acknowledged is there; nothing unacknowledged counted
    while offset < len(data):
        r = patch(srv, token, loc, offset, data[offset:offset + chunk])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    r = httpx.get(srv.url + f"/api/v1/evidence/{sha256_hex(data)}", headers=auth(token))
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha256_hex(data)
    assert srv.admin("reverify")["ok"] == 1
