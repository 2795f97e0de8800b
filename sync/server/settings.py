"""Server configuration and secrets.

The data dir holds the secrets ``inspector-server init`` generates, each readable by the owner
only (0600):

* ``server-signing-key`` — the server's Ed25519 private key (base64 of the 32-byte seed); it signs
  every receipt, and devices pin its public half at enrolment;
* ``admin-secret`` — the bearer token of the supervisors' API (≥ 32 random bytes, base64url).

``serve`` refuses to start when a secret is missing, readable by others, too short, or one of the
well-known placeholder values (``KNOWN_DEFAULTS``). For stateless replicas the same secrets may
come from the environment (``INSPECTOR_SERVER_SIGNING_KEY``, ``INSPECTOR_SERVER_ADMIN_SECRET``),
checked the same way.
"""
from __future__ import annotations

import hashlib
import os
import secrets as _secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from inspector_app.crypto import signing
from inspector_app.domain.messages import InspectorError, define

SIGNING_KEY_FILE = "server-signing-key"
ADMIN_SECRET_FILE = "admin-secret"
DB_FILE = "server.db"
STORE_DIR = "blobs"
UPLOADS_DIR = "uploads"
DEFAULT_MAX_UPLOAD = 8 * 1024**3          # 8 GiB: a long body-cam clip
DEFAULT_MAX_RECORD = 8 * 1024**2          # 8 MiB of canonical record JSON
DEFAULT_UPLOAD_TTL = 7 * 24 * 3600        # an unfinished upload is kept a week
DEFAULT_ENROL_TTL = 24 * 3600             # a one-time enrolment code lives a day
MIN_ADMIN_SECRET = 24

# Placeholders that ship in examples and tutorials; a server configured with one is refused.
KNOWN_DEFAULTS = frozenset({
    "", "admin", "password", "secret", "changeme", "change-me", "default", "inspector", "test",
    "admin-secret", "CHANGE_ME", "changeit", "example", "dev", "development",
    # the all-zero and all-0x01 Ed25519 seeds in base64, and the RFC 8032 test vector 1 seed
    signing.b64(bytes(32)), signing.b64(b"\x01" * 32),
    signing.b64(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")),
})

MISSING_SECRET = define(
    "server.missing_secret",
    "缺少服务器密钥文件 {path}：请先运行 inspector-server init",
    "The server secret {path} is missing: run `inspector-server init` first",
)
DEFAULT_SECRET = define(
    "server.default_secret",
    "服务器密钥 {what} 是已知的默认值或太短，拒绝启动：请用 inspector-server init --force 重新生成",
    "The server secret {what} is a known default or too short; refusing to start (regenerate with "
    "`inspector-server init --force`)",
)
SECRET_PERMISSIONS = define(
    "server.secret_permissions",
    "服务器密钥文件 {path} 的权限为 {mode}，其他用户可读；请改为 0600",
    "The server secret {path} has mode {mode} and is readable by others; make it 0600",
)
ALREADY_INITIALISED = define(
    "server.already_initialised",
    "数据目录 {path} 已初始化（已有密钥）；如需更换密钥请加 --force（已注册设备须重新注册）",
    "The data dir {path} is already initialised; use --force to replace the secrets (devices must enrol again)",
)


@dataclass
class Settings:
    data_dir: Path
    db_url: str | None = None
    store_dir: Path | None = None
    max_upload: int = DEFAULT_MAX_UPLOAD
    max_record: int = DEFAULT_MAX_RECORD
    upload_ttl: int = DEFAULT_UPLOAD_TTL
    signing_key: bytes = field(default=b"", repr=False)
    admin_secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.store_dir is None:
            self.store_dir = self.data_dir / STORE_DIR
        self.store_dir = Path(self.store_dir)
        if not self.db_url:
            self.db_url = f"sqlite:///{self.data_dir / DB_FILE}"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / UPLOADS_DIR

    @property
    def public_key(self) -> bytes:
        return signing.public_key_of(self.signing_key)

    @property
    def admin_secret_hash(self) -> str:
        return hashlib.sha256(self.admin_secret.encode("utf-8")).hexdigest()


def _write_secret(path: Path, text: str) -> None:
    """Owner-only from the first byte: create 0600, write, fsync, rename into place."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (text + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def init_secrets(data_dir: Path, *, force: bool = False) -> dict:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path, admin_path = data_dir / SIGNING_KEY_FILE, data_dir / ADMIN_SECRET_FILE
    if (key_path.exists() or admin_path.exists()) and not force:
        raise InspectorError(ALREADY_INITIALISED, exit_code=1, path=str(data_dir))
    seed = signing.generate_private_key()
    admin = _secrets.token_urlsafe(32)
    _write_secret(key_path, signing.b64(seed))
    _write_secret(admin_path, admin)
    return {"data_dir": str(data_dir), "server_public_key": signing.b64(signing.public_key_of(seed)),
            "admin_secret_file": str(admin_path), "signing_key_file": str(key_path)}


def _read_secret(path: Path, env: str) -> tuple[str, str]:
    value = os.environ.get(env)
    if value is not None:
        return value.strip(), env
    if not path.exists():
        raise InspectorError(MISSING_SECRET, exit_code=1, path=str(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InspectorError(SECRET_PERMISSIONS, exit_code=1, path=str(path), mode=oct(mode))
    return path.read_text("ascii").strip(), str(path)


def load_secrets(settings: Settings) -> Settings:
    """Fill ``settings`` with the secrets, refusing missing, exposed or default ones."""
    key_text, key_where = _read_secret(settings.data_dir / SIGNING_KEY_FILE, "INSPECTOR_SERVER_SIGNING_KEY")
    admin, admin_where = _read_secret(settings.data_dir / ADMIN_SECRET_FILE, "INSPECTOR_SERVER_ADMIN_SECRET")
    if key_text in KNOWN_DEFAULTS:
        raise InspectorError(DEFAULT_SECRET, exit_code=1, what=key_where)
    try:
        seed = signing.unb64(key_text)
        signing.public_key_of(seed)
    except ValueError:
        raise InspectorError(DEFAULT_SECRET, exit_code=1, what=key_where) from None
    if admin in KNOWN_DEFAULTS or len(admin) < MIN_ADMIN_SECRET:
        raise InspectorError(DEFAULT_SECRET, exit_code=1, what=admin_where)
    settings.signing_key = seed
    settings.admin_secret = admin
    return settings
