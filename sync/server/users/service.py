"""County staff: Argon2id password hashes, roles, login sessions and their CSRF tokens.

Passwords are hashed with Argon2id (cryptography's, RFC 9106 parameters m = 64 MiB, t = 3, p = 1),
stored with their parameters (``argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>``, unpadded base64) so
they can be raised later without breaking old hashes. A login creates a session: a random 256-bit
token in an HttpOnly, SameSite=Strict cookie (the database keeps only its sha256) and a per-session
CSRF token that every form posts back. Sessions end after ``IDLE`` seconds without a request or
``ABSOLUTE`` seconds after login. Five wrong passwords in a row lock the account for ``LOCK``
seconds.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy import delete, select

from inspector_app.domain.messages import InspectorError, define

from .. import clock
from ..context import Context
from .models import User, WebSession

ROLES = ("supervisor", "admin")
ROLE_NAMES = {"supervisor": "监管人员", "admin": "管理员"}
MIN_PASSWORD = 10
IDLE = 30 * 60
ABSOLUTE = 12 * 3600
TOUCH_EVERY = 60
MAX_FAILURES = 5
LOCK = 15 * 60
ARGON2 = {"m": 65536, "t": 3, "p": 1}

BAD_ROLE = define("users.bad_role", "角色 {role} 无效，可选：supervisor（监管人员）、admin（管理员）",
                  "Role {role} is invalid; choose supervisor or admin")
WEAK_PASSWORD = define("users.weak_password", "密码太短：至少 {min} 个字符",
                       "Password too short: at least {min} characters")
USER_EXISTS = define("users.exists", "用户 {name} 已存在（如需重设密码或角色请加 --update）",
                     "User {name} already exists (use --update to reset the password or role)")
UNKNOWN_USER = define("users.unknown", "未找到用户 {name}", "No user named {name}")
BAD_NAME = define("users.bad_name", "用户名“{name}”无效：1 至 100 个字符，不含空白",
                  "User name \"{name}\" is invalid: 1 to 100 characters, no white space")
BAD_LOGIN = define("users.bad_login", "用户名或密码不正确", "Wrong user name or password")
LOCKED = define("users.locked", "登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试",
                "Too many failed logins; the account is locked for {minutes} minutes")


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


@dataclass(frozen=True)
class SessionInfo:
    user: Staff
    csrf: str
    token_hash: str


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _argon2(password: str, salt: bytes, m: int, t: int, p: int) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m).derive(password.encode("utf-8"))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    raw = _argon2(password, salt, ARGON2["m"], ARGON2["t"], ARGON2["p"])
    return f"argon2id$v=19$m={ARGON2['m']},t={ARGON2['t']},p={ARGON2['p']}${_b64(salt)}${_b64(raw)}"


def verify_password(stored: str, password: str) -> bool:
    try:
        algo, version, params, salt, digest = stored.split("$")
        if algo != "argon2id" or version != "v=19":
            return False
        values = dict(part.split("=") for part in params.split(","))
        raw = _argon2(password, _unb64(salt), int(values["m"]), int(values["t"]), int(values["p"]))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(raw, _unb64(digest))


_DUMMY = None


def _dummy_verify(password: str) -> None:
    """Spend the same time on an unknown user as on a known one."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(secrets.token_urlsafe(16))
    verify_password(_DUMMY, password)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InspectorError(BAD_ROLE, exit_code=2, role=role)
    return role


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InspectorError(WEAK_PASSWORD, exit_code=2, min=MIN_PASSWORD)
    return password


def check_name(name: str) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 100 or any(c.isspace() for c in name):
        raise InspectorError(BAD_NAME, exit_code=2, name=name)
    return name


def _staff(user: User) -> Staff:
    return Staff(id=user.id, name=user.name, role=user.role)


def add_user(ctx: Context, name: str, role: str, password: str, *, update: bool = False) -> dict:
    check_name(name)
    check_role(role)
    check_password(password)
    digest = hash_password(password)
    with ctx.db.write() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is not None and not update:
            raise InspectorError(USER_EXISTS, exit_code=1, name=name)
        created = user is None
        if user is None:
            user = User(name=name, role=role, password_hash=digest, created_at=clock.now_iso(), failed_logins=0,
                        locked_until=0)
            session.add(user)
        else:
            user.role, user.password_hash, user.disabled_at = role, digest, None
            user.failed_logins, user.locked_until = 0, 0
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.flush()
        return {"name": user.name, "role": user.role, "created": created}


def disable_user(ctx: Context, user_id: int) -> dict:
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise InspectorError(UNKNOWN_USER, exit_code=2, name=str(user_id))
        user.disabled_at = clock.now_iso()
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        return {"name": user.name, "role": user.role}


def all_users(ctx: Context) -> list[dict]:
    with ctx.db.read() as session:
        return [{"id": u.id, "name": u.name, "role": u.role, "role_name": ROLE_NAMES.get(u.role, u.role),
                 "created_at": u.created_at, "disabled_at": u.disabled_at}
                for u in session.scalars(select(User).order_by(User.name))]


def _token_hash(token: str) -> str:
    return hashlib.sha256(("session:" + token).encode("utf-8")).hexdigest()


def login(ctx: Context, name: str, password: str) -> tuple[str, SessionInfo]:
    """A new session for a right name and password; raises users.bad_login / users.locked."""
    now = clock.epoch()
    with ctx.db.read() as session:
        user = session.scalar(select(User).where(User.name == name)) if name else None
        stored = user.password_hash if user is not None else None
        active = user is not None and user.disabled_at is None
        locked_until = user.locked_until if user is not None else 0
    if stored is None:
        _dummy_verify(password)
        raise InspectorError(BAD_LOGIN, exit_code=1)
    if locked_until > now:
        raise InspectorError(LOCKED, exit_code=1, minutes=max(1, (locked_until - now + 59) // 60))
    ok = verify_password(stored, password) and active
    with ctx.db.write() as session:
        row = session.get(User, user.id)
        if not ok:
            row.failed_logins = (row.failed_logins or 0) + 1
            if row.failed_logins >= MAX_FAILURES:
                row.locked_until, row.failed_logins = now + LOCK, 0
            raise_bad = True
        else:
            raise_bad = False
            row.failed_logins = 0
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            info = SessionInfo(user=_staff(row), csrf=csrf, token_hash=_token_hash(token))
            session.execute(delete(WebSession).where(WebSession.expires_at < now))
            session.add(WebSession(token_hash=info.token_hash, user_id=row.id, csrf=csrf, created_at=now,
                                   last_seen=now, expires_at=now + ABSOLUTE))
    if raise_bad:
        raise InspectorError(BAD_LOGIN, exit_code=1)
    return token, info


def session_of(ctx: Context, token: str | None) -> SessionInfo | None:
    """The live session of a cookie token (touching it at most once a minute), or None."""
    if not token or len(token) > 200:
        return None
    digest = _token_hash(token)
    now = clock.epoch()
    with ctx.db.read() as session:
        row = session.get(WebSession, digest)
        if row is None:
            return None
        user = session.get(User, row.user_id)
        if (user is None or user.disabled_at is not None or row.expires_at <= now or row.last_seen + IDLE <= now):
            expired = True
        else:
            expired = False
            info = SessionInfo(user=_staff(user), csrf=row.csrf, token_hash=digest)
            stale = now - row.last_seen >= TOUCH_EVERY
    if expired:
        logout(ctx, token)
        return None
    if stale:
        with ctx.db.write() as session:
            row = session.get(WebSession, digest)
            if row is not None:
                row.last_seen = now
    return info


def logout(ctx: Context, token: str | None) -> None:
    if not token:
        return
    with ctx.db.write() as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def expire_session_for_tests(ctx: Context, token: str, *, seconds_ago: int = IDLE + 1) -> None:
    """Make a session look idle (tests of the expiry path)."""
    with ctx.db.write() as session:
        row = session.get(WebSession, _token_hash(token))
        if row is not None:
            row.last_seen -= seconds_ago
