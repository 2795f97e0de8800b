"""inspector officer add | list | rotate-key"""
from __future__ import annotations

import os
import sys

from ..domain.messages import InspectorError, define
from ..store import officers
from ..store.officers import NEED_AUTHORISER
from ..workspace import passphrase_env_name, passphrase_for
from .common import emit, table, workspace

PASSPHRASES_DIFFER = define(
    "officer.passphrase_mismatch",
    "两次输入的口令不一致",
    "The two passphrases differ",
)
WEAK_PASSPHRASE = define(
    "officer.weak_passphrase",
    "口令太短：至少 {min} 个字符",
    "Passphrase too short: at least {min} characters",
)
MIN_PASSPHRASE = 4


def register(sub) -> None:
    p = sub.add_parser("officer", help="执法人员及其签名密钥")
    s = p.add_subparsers(dest="action", required=True)
    add = s.add_parser("add", help="登记执法人员，在本机生成 Ed25519 密钥（私钥以其口令加密保存）")
    add.add_argument("--name", required=True)
    add.add_argument("--cert", required=True, help="执法证号")
    add.add_argument("--authorised-by", default=None, metavar="CERT", help="授权添加的已登记人员（本机已有人员时需要）")
    add.set_defaults(handler=add_)
    ls = s.add_parser("list", help="列出执法人员及其公钥（用于注册到县局服务器）")
    ls.set_defaults(handler=list_)
    rot = s.add_parser("rotate-key", help="更换签名密钥；旧密钥签名的记录仍可验证")
    rot.add_argument("cert")
    rot.set_defaults(handler=rotate_)


def new_passphrase(cert: str) -> str:
    env = os.environ.get(passphrase_env_name(cert)) or os.environ.get("INSPECTOR_PASSPHRASE")
    if env:
        value = env
    else:
        value = passphrase_for(cert, prompt=f"为 {cert} 设置口令：")
        if sys.stdin is not None and sys.stdin.isatty():
            again = passphrase_for(cert, prompt="再次输入口令：")
            if again != value:
                raise InspectorError(PASSPHRASES_DIFFER, exit_code=2)
    if len(value) < MIN_PASSPHRASE:
        raise InspectorError(WEAK_PASSPHRASE, exit_code=2, min=MIN_PASSPHRASE)
    return value


def authoriser(session, preferred: str | None) -> officers.Unlocked | None:
    rows = officers.all_rows(session)
    if not rows:
        return None
    candidates = [preferred] if preferred else [r.cert for r in rows]
    for cert in candidates:
        env = os.environ.get(passphrase_env_name(cert)) or os.environ.get("INSPECTOR_PASSPHRASE")
        if env or preferred:
            return officers.unlock(session, cert, env or passphrase_for(cert))
    if sys.stdin is not None and sys.stdin.isatty():
        return officers.unlock(session, candidates[0], passphrase_for(candidates[0]))
    raise InspectorError(NEED_AUTHORISER, exit_code=2)


def _row_dict(row) -> dict:
    return {"name": row.name, "cert": row.cert, "public_key": row.public_key, "created_at": row.created_at}


def add_(args) -> int:
    passphrase = new_passphrase(args.cert)
    with workspace(args) as ws, ws.store.write() as session:
        by = authoriser(session, args.authorised_by)
        row = officers.add(session, name=args.name, cert=args.cert, passphrase=passphrase, authorised_by=by)
        ws.audit(session, "edit", f"officer:{row.cert}", {"op": "add", "public_key": row.public_key,
                                                           "authorised_by": by.cert if by else None})
    emit(args, _row_dict(row), f"已登记执法人员 {row.name}（{row.cert}），公钥 {row.public_key}")
    return 0


def list_(args) -> int:
    with workspace(args) as ws, ws.store.read() as session:
        rows = officers.all_rows(session)
        emit(args, [_row_dict(r) for r in rows], lambda: table([[r.cert, r.name, r.public_key] for r in rows])
             or "（本机尚无执法人员）")
    return 0


def rotate_(args) -> int:
    with workspace(args) as ws, ws.store.write() as session:
        row = officers.rotate_key(session, args.cert, passphrase_for(args.cert))
        ws.audit(session, "edit", f"officer:{row.cert}", {"op": "rotate-key", "public_key": row.public_key})
    emit(args, _row_dict(row), f"{row.cert} 的新公钥：{row.public_key}")
    return 0
