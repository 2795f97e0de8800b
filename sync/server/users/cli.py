"""`inspector-server admin add-user NAME --role supervisor|admin` (and list-users).

The password comes from INSPECTOR_USER_PASSWORD (scripts) or is asked twice at a prompt.
Wired into sync/server/cli.py by ``register(admin_subparsers)``.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from inspector_app.domain.messages import InspectorError, define

from . import service

PASSWORDS_DIFFER = define("users.password_mismatch", "两次输入的密码不一致", "The two passwords differ")
NO_PASSWORD = define("users.no_password", "请在提示时输入密码，或设置环境变量 INSPECTOR_USER_PASSWORD",
                     "Type the password at the prompt, or set INSPECTOR_USER_PASSWORD")
PASSWORD_ENV = "INSPECTOR_USER_PASSWORD"


def _common(p) -> None:
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出")
    p.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite in the data dir)")
    p.add_argument("--store", default=None, help="blob folder (default: DATA_DIR/blobs)")


def register(sub) -> None:
    p = sub.add_parser("add-user", help="添加县局网页用户（监管人员或管理员）")
    p.add_argument("name", help="登录名")
    p.add_argument("--role", required=True, choices=service.ROLES, help="supervisor（监管人员）或 admin（管理员）")
    p.add_argument("--update", action="store_true", help="用户已存在时重设其密码和角色")
    _common(p)
    p.set_defaults(handler=add_user_)
    p = sub.add_parser("list-users", help="列出网页用户")
    _common(p)
    p.set_defaults(handler=list_users_)


def read_password() -> str:
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    if sys.stdin is None or not sys.stdin.isatty():
        raise InspectorError(NO_PASSWORD, exit_code=2)
    first = getpass.getpass("密码：")
    service.check_password(first)
    if getpass.getpass("再次输入密码：") != first:
        raise InspectorError(PASSWORDS_DIFFER, exit_code=2)
    return first


def add_user_(args) -> int:
    from ..cli import _context, _emit

    service.check_name(args.name)
    password = service.check_password(read_password())
    out = service.add_user(_context(args), args.name, args.role, password, update=args.update)
    verb = "已添加" if out["created"] else "已更新"
    _emit(args, out, f"{verb}用户 {out['name']}（{service.ROLE_NAMES[out['role']]}）")
    return 0


def list_users_(args) -> int:
    from ..cli import _context, _emit

    rows = service.all_users(_context(args))
    _emit(args, rows, lambda: "\n".join(f"{r['name']}  {r['role_name']}  {'已停用' if r['disabled_at'] else '启用'}"
                                        for r in rows) or "（尚无用户）")
    return 0
