"""Applying what the device pulls: catalogues (TOML files), the enterprise registry (from a cursor),
this device's document-number blocks, and assignments."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import select

from inspector_app.domain.catalogue import catalogue_file_name, validate_catalogue_file
from inspector_app.domain.enterprise import Enterprise, MajorHazardSource
from inspector_app.domain.messages import InspectorError
from inspector_app.store import enterprises as enterprise_store
from inspector_app.store import models as store_models
from inspector_app.store.clock import now_iso
from inspector_app.store.db import Store

from .api import ServerAPI
from .queue import SyncQueue


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def pull_catalogues(api: ServerAPI, folder: Path | None) -> int:
    if folder is None:
        return 0
    written = 0
    for cat in api.pull("catalogues")["catalogues"]:
        name = catalogue_file_name(cat["id"], cat["version"])
        target = Path(folder) / name
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == cat["sha256"]:
            continue
        staging = Path(folder) / ".incoming" / name  # validated under its own name before it replaces anything
        _atomic_write(staging, cat["toml"])
        problems = validate_catalogue_file(staging)
        if problems:  # never replace a good catalogue with a bad one
            staging.unlink(missing_ok=True)
            continue
        os.replace(staging, target)
        written += 1
    return written


def _enterprise(data: dict) -> Enterprise:
    return Enterprise(
        code=data["code"], name=data["name"], address=data.get("address", ""), kind=data["kind"],
        industry=data.get("industry", ""), township=data.get("township", ""),
        legal_representative=data.get("legal_representative", ""), contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""), licences=list(data.get("licences") or []),
        major_hazard_sources=[MajorHazardSource(**m) for m in data.get("major_hazard_sources") or []],
        key_processes=list(data.get("key_processes") or []), key_chemicals=list(data.get("key_chemicals") or []))


def pull_enterprises(api: ServerAPI, store: Store, queue: SyncQueue) -> int:
    cursor = int(queue.config().get("enterprise_cursor") or 0)
    applied = 0
    while True:
        page = api.pull("enterprises", since=cursor)
        with store.write() as session:
            for data in page["enterprises"]:
                try:
                    enterprise_store.add(session, _enterprise(data), replace=True)
                    applied += 1
                except (InspectorError, KeyError, TypeError):
                    continue  # one bad entry must not stop the registry
            from .models import SyncConfig

            row = session.get(SyncConfig, "enterprise_cursor")
            if row is None:
                session.add(SyncConfig(key="enterprise_cursor", value=page["cursor"]))
            else:
                row.value = page["cursor"]
        cursor = page["cursor"]
        if not page.get("more"):
            return applied


def pull_numbers(api: ServerAPI, store: Store) -> int:
    blocks = api.pull("numbers")["blocks"]
    added = 0
    with store.write() as session:
        for b in blocks:
            exists = session.scalar(select(store_models.NumberBlock.id).where(
                store_models.NumberBlock.prefix == b["prefix"], store_models.NumberBlock.year == b["year"],
                store_models.NumberBlock.start == b["start"], store_models.NumberBlock.source == "server"))
            if exists is None:
                session.add(store_models.NumberBlock(prefix=b["prefix"], year=b["year"], start=b["start"], end=b["end"],
                                                     source="server", created_at=now_iso()))
                added += 1
    return added


def pull_assignments(api: ServerAPI, queue: SyncQueue) -> int:
    items = api.pull("assignments")["assignments"]
    queue.set_config(assignments=items)
    return len(items)


def pull_all(api: ServerAPI, store: Store, queue: SyncQueue, checklists_dir: Path | None) -> dict:
    return {
        "catalogues": pull_catalogues(api, checklists_dir),
        "enterprises": pull_enterprises(api, store, queue),
        "numbers": pull_numbers(api, store),
        "assignments": pull_assignments(api, queue),
    }
