"""The SyncClient over this device's workspace, built the same way for `inspector sync` and the app."""
from __future__ import annotations

from typing import Any, Callable

from sync.protocol import errors
from sync.protocol.errors import SyncError

from .engine import Listener, SyncClient


def client_for(ws, unlock: Callable[[], Any] | None, *, listener: Listener | None = None) -> SyncClient:
    """A SyncClient over a Workspace. The vault is opened with ``unlock()``'s key lazily, only if
    evidence must be read; without ``unlock`` (a locked app) evidence waits as ``locked``. Every
    pass that sent something is written to the audit log."""
    state = {}

    def open_evidence(sha: str):
        if unlock is None:
            raise SyncError(errors.EVIDENCE_UNAVAILABLE, sha256=sha, reason="locked")
        if "vault" not in state:
            state["vault"] = ws.vault(unlock())
        return state["vault"].open(sha, direct=True)  # read once, start to end

    def audit(action: str, detail: dict) -> None:
        with ws.store.write() as session:
            ws.audit(session, action, "server", detail)

    return SyncClient(ws.store, ws.device_id, evidence=open_evidence, checklists_dir=ws.imported_checklists_dir,
                      audit=audit, listener=listener)
