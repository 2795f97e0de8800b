"""A data folder opened for work: the store, the catalogues, the device identity and the audit log.

Built once per process (by the CLI's main or by app.py) and passed to whatever needs it.
"""
from __future__ import annotations

import getpass
import os
import re
import sys
import uuid
from functools import cached_property
from pathlib import Path

from sqlalchemy.orm import Session

from .domain.messages import InspectorError, define
from .paths import checklists_dir
from .store import models
from .store.db import Store

NO_PASSPHRASE = define(
    "officer.no_passphrase",
    "需要执法人员 {cert} 的口令：请在提示处输入，或为脚本设置环境变量 {env} 或 INSPECTOR_PASSPHRASE",
    "The passphrase of officer {cert} is needed: type it at the prompt, or for scripts set {env} or INSPECTOR_PASSPHRASE",
)

NO_OFFICERS = define(
    "officer.none",
    "本机尚未登记执法人员：请先运行 inspector officer add（或 inspector demo）",
    "No officer is registered on this device yet: run inspector officer add (or inspector demo) first",
)


def passphrase_env_name(cert: str) -> str:
    return "INSPECTOR_PASSPHRASE_" + re.sub(r"[^A-Za-z0-9]", "_", cert).upper()


def passphrase_for(cert: str, *, prompt: str | None = None) -> str:
    """Scripts set INSPECTOR_PASSPHRASE_<CERT> or INSPECTOR_PASSPHRASE; people get a prompt."""
    env = passphrase_env_name(cert)
    value = os.environ.get(env) or os.environ.get("INSPECTOR_PASSPHRASE")
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt or f"执法人员 {cert} 的口令：")
    raise InspectorError(NO_PASSPHRASE, exit_code=2, cert=cert, env=env)


class Workspace:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir).open()
        self.device_id = self._ensure_device_id()

    def close(self) -> None:
        self.store.close()

    # --- catalogues: shipped ones beside the program, imported ones in the data folder ---
    @property
    def imported_checklists_dir(self) -> Path:
        return self.data_dir / "checklists"

    @cached_property
    def catalogues(self):
        from .domain.catalogue import load_catalogues

        dirs = [checklists_dir()]
        if self.imported_checklists_dir.is_dir():
            dirs.append(self.imported_checklists_dir)
        return load_catalogues(*dirs)

    def reload_catalogues(self) -> None:
        self.__dict__.pop("catalogues", None)

    # --- the device ---
    def _ensure_device_id(self) -> str:
        # Made once, at open, so that no later transaction needs a second one to read it.
        with self.store.write() as session:
            row = session.get(models.Setting, "device_id")
            if row is None:
                row = models.Setting(key="device_id", value=str(uuid.uuid4()))
                session.add(row)
            return row.value

    def setting(self, session: Session, key: str, default=None):
        row = session.get(models.Setting, key)
        return default if row is None else row.value

    def set_setting(self, session: Session, key: str, value) -> None:
        row = session.get(models.Setting, key)
        if row is None:
            session.add(models.Setting(key=key, value=value))
        else:
            row.value = value

    # --- officers and the vault ---
    def unlock(self, cert: str | None = None):
        """Unlock an officer (their signing key and the vault key) with their passphrase.
        Without a cert: the first officer whose passphrase the environment gives, else a prompt."""
        from .store import officers

        with self.store.read() as session:
            rows = officers.all_rows(session)
            if cert is None:
                if not rows:
                    raise InspectorError(NO_OFFICERS, exit_code=2)
                with_env = [r.cert for r in rows if os.environ.get(passphrase_env_name(r.cert))]
                cert = with_env[0] if with_env else rows[0].cert
            return officers.unlock(session, cert, passphrase_for(cert))

    @property
    def vault_dir(self) -> Path:
        return self.data_dir / "vault"

    def vault(self, unlocked):
        from .store.vault import Vault

        return Vault(self.vault_dir, unlocked.vault_key)

    # --- the audit chain: every action appends, inside the transaction that does the action ---
    def audit(self, session: Session, action: str, subject: str, detail: dict | None = None) -> str:
        from .store.audit_log import append

        return append(session, self.device_id, action, subject, detail or {})
