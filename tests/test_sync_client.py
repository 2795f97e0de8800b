"""The device side of sync: the durable queue (store migration 0002), `inspector sync` end to end
against a real server, per-item states and reasons, a client killed mid-upload that resumes,
receipts checked against the pinned key, and backoff with jitter while the server is down."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from inspector_app.crypto import signing
from inspector_app.store import models as store_models
from inspector_app.store.db import Store
from sync.client import models as sync_models
from sync.client.engine import SyncClient
from sync.client.worker import SyncWorker, backoff_delay
from sync.protocol import errors, wire
from sync.protocol.errors import SyncError
from server_fixtures import *  # noqa: F401,F403
from server_fixtures import ROOT


# --- helpers --------------------------------------------------------------------------------------
def sync_cli(data_dir: Path, *args: str) -> tuple[int, dict]:
    """`inspector --data-dir D --json sync …` through sync.client.cli.register (as it will be wired)."""
    from sync.client.cli import register

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    parser.add_argument("--json", action="store_true")
    register(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(["--data-dir", str(data_dir), "--json", "sync", *args])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = ns.handler(ns)
    return code, json.loads(out.getvalue())


def device_store(tmp_path: Path, inspectors, evidence: dict[str, bytes], *, records: int = 1,
                 first_seq: int = 10) -> tuple[Store, str, Path, list[str]]:
    """A device store holding ``records`` signed records (direct rows, as the signer writes them),
    and a plain folder standing in for the vault."""
    store = Store(tmp_path / "device").open()
    device_id = "dev-" + os.urandom(4).hex()
    folder = tmp_path / "evidence"
    folder.mkdir()
    for sha, data in evidence.items():
        (folder / sha).write_bytes(data)
    hashes = []
    with store.write() as s:
        s.add(store_models.Enterprise(code="91350100M000100Y43", name="示例化工有限公司", address="", kind="production",
                                      industry="", township="", legal_representative="", contact_name="",
                                      contact_phone="", licences=[], major_hazard_sources=[], key_processes=[],
                                      key_chemicals=[], updated_at="2026-01-01T00:00:00+00:00"))
        for n in range(records):
            data, sigs, h = signed_record(inspectors, device_id, audit_seq=first_seq + n,
                                          evidence=[(sha, len(b)) for sha, b in evidence.items()])
            payload = json.loads(data)
            s.add(store_models.Inspection(id=payload["inspection_id"], enterprise_code="91350100M000100Y43",
                                          status="draft", inspectors=[i.cert for i in inspectors], catalogues=[],
                                          place="", created_at="x", started_at="x", updated_at="x"))
            s.flush()
            s.add(store_models.Record(hash=h, inspection_id=payload["inspection_id"], payload=data, signatures=sigs,
                                      created_at="x"))
            hashes.append(h)
    return store, device_id, folder, hashes


def folder_opener(folder: Path):
    return lambda sha: open(folder / sha, "rb")


# --- the store migration --------------------------------------------------------------------------
def test_migration_0002_adds_the_queue_and_matches_its_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from alembic.script import ScriptDirectory

    from inspector_app.store.db import _alembic_config

    store = Store(tmp_path).open()
    assert store.schema_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_models.Base.metadata)
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("enterprises_fts"))] == []
    with store.write() as s:
        s.add(sync_models.SyncReceipt(record_hash="ab" * 32, receipt={}, signature="x", server_key="k", received_at="t"))
    store.close()
    raw = sqlite3.connect(tmp_path / "inspector.db")
    with pytest.raises(sqlite3.DatabaseError):
        raw.execute("DELETE FROM sync_receipts")
    with pytest.raises(sqlite3.DatabaseError):
        raw.execute("UPDATE sync_receipts SET signature = 'y'")
    raw.close()


# --- end to end through `inspector sync` -----------------------------------------------------------
def test_inspector_sync_end_to_end_with_the_real_device_flow(server, cli, tmp_path):
    from PIL import Image

    cli("demo")
    officers = cli.json("officer", "list")
    code = cli.json("enterprise", "list")[0]["code"]
    _, out, _ = cli("inspection", "new", "--enterprise", code, "--inspectors", ",".join(o["cert"] for o in officers[:2]))
    inspection = out.strip()
    Image.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3)).save(tmp_path / "photo.jpg", quality=95)
    cli("evidence", "import", str(tmp_path / "photo.jpg"), "--inspection", inspection)
    sha = cli.json("evidence", "list")[0]["sha256"]
    cli("inspection", "result", inspection, "reg-4", "violation")
    cli("finding", "add", inspection, "--item", "reg-4", "--grade", "general", "--deadline", "2030-12-31",
        "--text", "未建立危险化学品管理档案", "--evidence", sha)
    cli("inspection", "sign", inspection)

    device_name = "laptop-e2e-" + os.urandom(3).hex()
    enrol_code = server.admin("enrol-device", device_name)["code"]
    for o in officers[:2]:
        server.admin("add-inspector", "--name", o["name"], "--cert", o["cert"], "--public-key", o["public_key"],
                     "--device", device_name)
    server.admin("publish-catalogue", str(ROOT / "checklists" / "hazchem-registration-special-2025.toml"))
    server.admin("allocate-numbers", "--device", device_name, "--prefix", "应急责改", "--year", "2026", "--count", "100")
    task = server.admin("add-assignment", "--enterprise", code, "--inspectors", officers[0]["cert"] + ",X")

    status, result = sync_cli(cli.data_dir, "--server", server.url, "--enrol", enrol_code)
    assert status == 0, result
    assert result["records"] == {"synced": 1} and result["evidence"] == {"synced": 1}
    assert result["pulled"]["numbers"] == 1 and result["pulled"]["assignments"] == 1
    assert result["enrolled"]["device_name"] == device_name

    store = Store(cli.data_dir).open()
    try:
        with store.read() as s:
            record_hash = s.scalar(select(store_models.Record.hash))
            receipt = s.get(sync_models.SyncReceipt, record_hash)
            blocks = list(s.scalars(select(store_models.NumberBlock).where(store_models.NumberBlock.source == "server")))
            config = {r.key: r.value for r in s.scalars(select(sync_models.SyncConfig))}
        assert receipt is not None and receipt.server_key == server.public_key
        assert wire.receipt_problems({"receipt": receipt.receipt, "signature": receipt.signature}, server.public_key,
                                     record=record_hash) == []
        assert [(b.prefix, b.year, b.end - b.start + 1) for b in blocks] == [("应急责改", 2026, 100)]
        assert [a["id"] for a in config["assignments"]] == [task["id"]]
    finally:
        store.close()
    assert result["pulled"]["catalogues"] == 1
    assert (cli.data_dir / "checklists" / "hazchem-registration-special-2025.toml").exists()
    with server.admin_client() as admin:
        got = admin.get(f"/api/v1/records/{record_hash}").json()
        assert got["status"] == "complete"
        assert admin.get(f"/api/v1/evidence/{sha}").status_code == 200

    # A second pass has nothing to send, and says so with exit 0.
    status, again = sync_cli(cli.data_dir)
    assert status == 0 and again["bytes_sent"] == 0 and again["records"] == {"synced": 1}

    # Revoked: exit 1 with the stable code.
    server.admin("revoke-device", device_name)
    status, refused = sync_cli(cli.data_dir)
    assert status == 1 and refused["error"]["code"] == "sync.device_revoked"


def test_a_refused_record_fails_with_its_reason_and_holds_back_later_ones(server, tmp_path):
    from server_fixtures import Inspector

    tag = os.urandom(3).hex()
    inspectors = [Inspector("甲", f"T-{tag}-1"), Inspector("乙", f"T-{tag}-2")]  # not registered yet
    photo = blob(20_000, 31)
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {sha256_hex(photo): photo}, records=2)
    client = SyncClient(store, device_id, evidence=folder_opener(folder))
    client.enrol(server.url, server.admin("enrol-device", "laptop-" + device_id)["code"])
    seen = []
    client.listener = seen.append
    summary = client.run(pull=False)
    assert not summary.ok
    states = {(i.kind, i.key): i for i in client.queue.items()}
    first, second = states[("record", hashes[0])], states[("record", hashes[1])]
    assert first.state == "failed" and first.reason == "sync.unknown_key" and "未在县局服务器登记" in first.message_zh
    assert second.state == "pending" and second.reason == "sync.blocked"
    assert states[("evidence", sha256_hex(photo))].state == "synced"
    assert [f["reason"] for f in summary.failures] == ["sync.unknown_key"]
    assert {(i.kind, i.state) for i in seen} >= {("record", "failed"), ("evidence", "synced")}

    register(server, inspectors)
    summary = client.run(pull=False)
    assert summary.ok, summary.to_dict()
    assert [i.state for i in client.queue.items("record")] == ["synced", "synced"]
    for h in hashes:
        assert client.queue.receipt(h)["receipt"]["record"] == h
    store.close()


CHILD = r"""
import sys, time
from pathlib import Path
from inspector_app.store.db import Store
from sync.client.engine import SyncClient

class Slow:
    def __init__(self, f): self.f = f
    def read(self, n=-1):
        time.sleep(0.15)
        return self.f.read(n)
    def seek(self, n): return self.f.seek(n)
    def __enter__(self): return self
    def __exit__(self, *a): self.f.close()

store = Store(Path(sys.argv[1])).open()
folder = Path(sys.argv[3])
client = SyncClient(store, sys.argv[2], evidence=lambda sha: Slow(open(folder / sha, "rb")), chunk_size=256 * 1024,
                        max_chunk_size=256 * 1024)
print("ready", flush=True)
client.run(pull=False)
print("finished", flush=True)
"""


def test_a_client_killed_mid_upload_resumes_from_the_servers_offset(server, inspectors, tmp_path):
    clip = blob(4 * 1024 * 1024, 32)
    sha = sha256_hex(clip)
    register(server, inspectors)
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {sha: clip})
    client = SyncClient(store, device_id, evidence=folder_opener(folder), chunk_size=256 * 1024,
                        max_chunk_size=256 * 1024)
    client.enrol(server.url, server.admin("enrol-device", "laptop-" + device_id)["code"])
    store.close()

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "device"), device_id, str(folder)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    from sync.server.uploads.models import Upload

    db = server.db()
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            with db.read() as s:
                row = s.scalar(select(Upload).where(Upload.sha256 == sha, Upload.state == "open"))
                if row is not None and row.offset >= 1024 * 1024:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the child never got going")
        child.send_signal(signal.SIGKILL)
        child.wait()
        with db.read() as s:
            before = s.scalar(select(Upload).where(Upload.sha256 == sha)).offset
        assert 0 < before < len(clip)

        store = Store(tmp_path / "device").open()
        client = SyncClient(store, device_id, evidence=folder_opener(folder), chunk_size=256 * 1024,
                        max_chunk_size=256 * 1024)
        assert client.queue.item("evidence", sha).state == "pending"  # "uploading", shown as pending
        summary = client.run(pull=False)
        assert summary.ok, summary.to_dict()
        assert summary.bytes_sent <= len(clip) - before + 256 * 1024
        with db.read() as s:
            row = s.scalar(select(Upload).where(Upload.sha256 == sha))
            assert row.state == "done"
            assert row.received <= len(clip) + 256 * 1024  # at most one chunk sent twice
        store.close()
    finally:
        db.close()
        if child.poll() is None:
            child.kill()


def test_receipts_are_checked_against_the_pinned_server_key(server, inspectors, tmp_path):
    register(server, inspectors)
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {})
    client = SyncClient(store, device_id)
    client.enrol(server.url, server.admin("enrol-device", "laptop-" + device_id)["code"])
    pinned = client.queue.config()["server_public_key"]
    client.queue.set_config(server_public_key=signing.b64(signing.public_key_of(signing.generate_private_key())))
    with pytest.raises(SyncError) as err:
        client.run()
    assert err.value.code == "sync.server_key_changed"
    assert client.queue.item("record", hashes[0]).state == "pending"

    # A server answering with a receipt its pinned key did not sign: refused, nothing marked synced.
    client.queue.set_config(server_public_key=pinned)
    real = httpx.HTTPTransport()

    class Forger(httpx.BaseTransport):
        def handle_request(self, request):
            response = real.handle_request(request)
            if request.url.path == "/api/v1/records":
                response.read()
                body = json.loads(response.content)
                body["signature"] = signing.b64(signing.sign(signing.generate_private_key(), b"x"))
                return httpx.Response(response.status_code, json=body)
            return response

    forged = SyncClient(store, device_id, transport=Forger())
    summary = forged.run(pull=False)
    item = forged.queue.item("record", hashes[0])
    assert item.state == "failed" and item.reason == "sync.bad_receipt" and not summary.ok
    assert forged.queue.receipt(hashes[0]) is None
    assert SyncClient(store, device_id).run(pull=False).ok
    store.close()


def test_backoff_with_jitter_while_the_server_is_down(inspectors, tmp_path):
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {})
    client = SyncClient(store, device_id)
    client.queue.set_config(server_url=f"http://127.0.0.1:{free_port()}", token="t", server_public_key="k")
    values = iter([0.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    worker = SyncWorker(client, interval=300, base=2, cap=20, rng=lambda: next(values))
    delays = [worker.run_once() for _ in range(6)]
    assert delays == [1.0, 6.0, 8.0, 16.0, 20.0, 20.0]  # base·2ⁿ⁻¹ × (0.5 + jitter), capped
    assert worker.last_error.code == "sync.offline" and worker.last_error.retryable
    assert client.queue.item("record", hashes[0]).state == "pending"
    assert all(0.5 * min(20, 2 * 2 ** (n - 1)) <= backoff_delay(n, cap=20) <= 1.5 * min(20, 2 * 2 ** (n - 1))
               for n in range(1, 10))
    # The thread form starts, stops, and never dies of an error.
    worker = SyncWorker(client, interval=300, base=0.01, cap=0.02).start()
    time.sleep(0.3)
    worker.stop()
    assert len(worker.delays) >= 2 and worker.last_error.code == "sync.offline"
    store.close()


def test_not_enrolled_is_a_clear_error(inspectors, tmp_path):
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {})
    with pytest.raises(SyncError) as err:
        SyncClient(store, device_id).run()
    assert err.value.code == "sync.not_enrolled" and "--enrol" in err.value.text("en")
    store.close()


def test_the_chunk_reader_reads_ahead_into_two_buffers_and_restarts_where_told():
    """Chunks come in order with their checksums; a restart (the server kept less, or a chunk
    failed its checksum) drops what was read ahead; a chunk stays intact while the next is read;
    a source shorter than recorded is a clear error."""
    import base64
    import hashlib

    from sync.client.engine import _ChunkReader

    data = os.urandom(10 * 1000 + 7)
    with _ChunkReader(io.BytesIO(data), "ab" * 32, len(data), 1000, "sha1") as chunks:
        chunks.start(0)
        seen = []
        while chunks.pending:
            at, chunk, (algorithm, digest) = chunks.take()
            copy = bytes(chunk)
            time.sleep(0.001)  # the next chunk is being read meanwhile, into the other buffer
            assert bytes(chunk) == copy == data[at:at + len(chunk)]
            assert algorithm == "sha1" and base64.b64decode(digest) == hashlib.sha1(copy).digest()
            seen.append(at)
            if at == 5000 and seen.count(5000) == 1:
                chunks.start(2500)  # the server acknowledged only up to here
        assert seen == [0, 1000, 2000, 3000, 4000, 5000, 2500, 3500, 4500, 5500, 6500, 7500, 8500, 9500]

    with _ChunkReader(io.BytesIO(data[:2500]), "cd" * 32, len(data), 1000, None) as chunks:
        chunks.start(0)
        assert chunks.take()[2] is None
        chunks.take()
        with pytest.raises(SyncError) as e:
            chunks.take()
        assert e.value.code == errors.EVIDENCE_UNAVAILABLE


def test_chunks_grow_on_a_fast_link_and_stay_small_on_a_slow_one():
    """Sized to take about a second at the last chunk's rate, in whole MiB, within the bounds."""
    from sync.client.engine import CHUNK_SECONDS, next_chunk_size

    mib = 1 << 20
    assert CHUNK_SECONDS == 1.0
    assert next_chunk_size(16 * mib, 0.05, 16 * mib, 64 * mib) == 64 * mib  # loopback: 320 MiB/s
    assert next_chunk_size(16 * mib, 0.5, 16 * mib, 64 * mib) == 32 * mib  # 32 MiB/s
    assert next_chunk_size(16 * mib, 0.4, 16 * mib, 64 * mib) == 40 * mib
    assert next_chunk_size(16 * mib, 8.0, 16 * mib, 64 * mib) == 16 * mib  # 2 MiB/s: never below the least
    assert next_chunk_size(256 * 1024, 0.001, 256 * 1024, 256 * 1024) == 256 * 1024
    assert next_chunk_size(16 * mib, 0.0, 16 * mib, 64 * mib) == 64 * mib


class DamagingTransport(httpx.HTTPTransport):
    """A link that damages one byte of the first PATCH body and lets TCP deliver it anyway."""

    def __init__(self):
        super().__init__()
        self.patches: list[str | None] = []  # each PATCH's Upload-Checksum header

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.patches.append(request.headers.get("Upload-Checksum"))
            if len(self.patches) == 1:
                original = request.stream

                def damaged():
                    first = True
                    for piece in original:
                        if first and piece:
                            piece, first = bytes([piece[0] ^ 0x01]) + bytes(piece[1:]), False
                        yield piece
                request.stream = httpx.ByteStream(b"".join(damaged()))
        return super().handle_request(request)


def test_a_blob_damaged_on_the_way_is_sent_again_with_a_checksum_on_every_chunk(server, inspectors, tmp_path):
    """Chunks go without their own checksum; the server's whole-blob sha256 catches the damage
    (422 sync.hash_mismatch, nothing kept) and the client re-sends the blob at once, each chunk
    now with Upload-Checksum: sha1. The original arrives whole, in the same pass."""
    clip = blob(3 * 1024 * 1024 + 5, 33)
    sha = sha256_hex(clip)
    register(server, inspectors)
    store, device_id, folder, hashes = device_store(tmp_path, inspectors, {sha: clip})
    link = DamagingTransport()
    client = SyncClient(store, device_id, evidence=folder_opener(folder), chunk_size=1024 * 1024,
                        max_chunk_size=1024 * 1024, transport=link)
    client.enrol(server.url, server.admin("enrol-device", "laptop-" + device_id)["code"])
    summary = client.run(pull=False)
    assert summary.ok, summary.to_dict()
    assert client.queue.item("evidence", sha).state == "synced"
    assert link.patches[:4] == [None] * 4  # the damaged first pass, four chunks
    assert len(link.patches) == 8 and all(c and c.startswith("sha1 ") for c in link.patches[4:])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {client.queue.config()['token']}"}) as http:
        got = http.get(f"{wire.API}/evidence/{sha}")
        assert got.status_code == 200 and got.content == clip
    store.close()
