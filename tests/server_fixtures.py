"""Shared fixtures of the server and sync tests: a real inspector-server on loopback (a subprocess
running uvicorn), on SQLite and — when INSPECTOR_TEST_POSTGRES_URL is set — on PostgreSQL, plus
inspectors' keys and signed records built with the core's record functions.

Import with ``from server_fixtures import *`` (tests/ is on sys.path)."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inspector_app.crypto import signing
from inspector_app.domain import record as record_rules

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "INSPECTOR_TEST_POSTGRES_URL"
PG_SKIP = f"{PG_ENV} is not set (CI sets it with scripts/postgres-for-tests)"

__all__ = ["ServerProcess", "Inspector", "free_port", "db_kind", "database", "server", "make_server", "inspectors",
           "signed_record", "enrol", "auth", "PG_ENV", "blob", "sha256_hex", "register", "MAX_UPLOAD"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob(n: int, seed: int = 0) -> bytes:
    """Deterministic incompressible-ish bytes."""
    out = bytearray()
    block = hashlib.sha256(f"seed{seed}".encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 32
    return bytes(out[:n])


# --- databases ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _postgres_database():
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = "inspector_t_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    if request.param == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    return request.param


@contextlib.contextmanager
def database(kind: str):
    """None (SQLite in the server's data dir) or the URL of a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield None
    else:
        with _postgres_database() as url:
            yield url


# --- the server -----------------------------------------------------------------------------------
class ServerProcess:
    """inspector-server in a subprocess on a free loopback port, over a data dir."""

    def __init__(self, data_dir: Path, db_url: str | None = None, *, max_upload: int | None = None):
        self.data_dir = Path(data_dir)
        self.db_url = db_url
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.max_upload = max_upload
        args = ["init", "--json"] + (["--db", db_url] if db_url else [])
        if max_upload:
            args += ["--max-upload", str(max_upload)]
        self.info = self.cli(*args)
        self.admin_secret = (self.data_dir / "admin-secret").read_text().strip()
        self.public_key = self.info["server_public_key"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, expect: int = 0):
        """Run an `inspector-server` command in-process; returns its JSON output (or text)."""
        from sync.server.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(self.data_dir), *args])
        assert code == expect, f"inspector-server {' '.join(args)} → {code}\n{out.getvalue()}\n{err.getvalue()}"
        try:
            return json.loads(out.getvalue())
        except ValueError:
            return out.getvalue()

    def admin(self, *args: str, expect: int = 0):
        return self.cli("admin", args[0], "--json", *args[1:], expect=expect)

    def start(self) -> "ServerProcess":
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.log = open(self.data_dir / "serve.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "--data-dir", str(self.data_dir), "serve",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {(self.data_dir / 'serve.log').read_text()}")
            try:
                if httpx.get(self.url + "/api/v1/server-key", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def db(self):
        """A Database on the server's database (for assertions)."""
        from sync.server.db import Database

        return Database(self.db_url or f"sqlite:///{self.data_dir / 'server.db'}")

    def admin_client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.admin_secret}"}, timeout=30)


MAX_UPLOAD = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory, db_kind):
    """One running server per test module and database kind (tests use their own devices)."""
    with database(db_kind) as url:
        s = ServerProcess(tmp_path_factory.mktemp("server"), url, max_upload=MAX_UPLOAD).start()
        yield s
        s.stop()


@pytest.fixture
def make_server(tmp_path, db_kind):
    """Factory of fresh servers (own data dir and database) for tests that kill or reconfigure one."""
    stack = contextlib.ExitStack()
    made = []

    def make(**kw) -> ServerProcess:
        url = stack.enter_context(database(db_kind))
        s = ServerProcess(tmp_path / f"server{len(made)}", url, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()
    stack.close()


# --- inspectors and records ----------------------------------------------------------------------
class Inspector:
    def __init__(self, name: str, cert: str):
        self.name, self.cert = name, cert
        self.private = signing.generate_private_key()
        self.public = signing.b64(signing.public_key_of(self.private))

    def entry(self) -> dict:
        return {"name": self.name, "cert": self.cert, "public_key": self.public}


@pytest.fixture(scope="session")
def inspectors() -> list[Inspector]:
    return [Inspector("张执法", "ZJ-0001"), Inspector("李执法", "ZJ-0002")]


def signed_record(inspectors, device_id: str, *, evidence=(), audit_seq: int = 42, findings: int = 1,
                  place: str = "甲类仓库及装卸区", inspection_id: str | None = None) -> tuple[bytes, list[dict], str]:
    """(canonical bytes, signatures, record hash) of a valid record signed by ``inspectors``."""
    payload = record_rules.example_payload([i.entry() for i in inspectors], evidence=list(evidence),
                                           findings=findings, device_id=device_id, place=place,
                                           inspection_id=inspection_id or str(uuid.uuid4()))
    payload["audit_head"] = {"device": device_id, "seq": audit_seq, "hash": sha256_hex(f"{audit_seq}".encode())}
    data = record_rules.record_bytes(payload)
    sigs = record_rules.sign_record(data, [(i.cert, i.private) for i in inspectors])
    return data, sigs, record_rules.record_hash(data)


def enrol(server: ServerProcess, name: str | None = None, device_id: str | None = None) -> dict:
    name = name or "laptop-" + uuid.uuid4().hex[:6]
    code = server.admin("enrol-device", name)["code"]
    r = httpx.post(server.url + "/api/v1/devices/enrol", json={
        "code": code, "name": name, "public_key": signing.b64(signing.public_key_of(signing.generate_private_key())),
        "device_id": device_id or str(uuid.uuid4())})
    assert r.status_code == 200, r.text
    out = r.json()
    out["name"] = name
    return out


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def register(server: ServerProcess, inspectors, device: str | None = None) -> None:
    for i in inspectors:
        args = ["add-inspector", "--name", i.name, "--cert", i.cert, "--public-key", i.public]
        if device:
            args += ["--device", device]
        server.admin(*args)
