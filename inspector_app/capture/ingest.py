"""A captured file into the vault, as unassigned evidence: what `inspector evidence import` does
(vault.import_file, store.evidence.record, an audit entry), plus the note of how it was recorded
(container and codecs) kept in the evidence row. No Qt here.

A recorder can only write to a file, so a clip sits in ``<data>/capture/`` as plaintext until it
is imported: the file is removed as soon as its encrypted copy is committed. A clip left there by
a crash is imported after the next unlock (``pending``).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from inspector_app.store import evidence as evidence_store

NOTE_SUFFIX = ".note.json"
MEDIA_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".jpg", ".jpeg", ".png"}


@dataclass(frozen=True)
class Captured:
    sha256: str
    kind: str
    size: int
    note: dict
    duplicate: bool


def capture_dir(data_dir: Path) -> Path:
    path = Path(data_dir) / "capture"
    path.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def write_note(path: Path, note: dict) -> None:
    """The recording's note beside the clip, so a clip imported after a crash keeps it."""
    sidecar = path.with_name(path.name + NOTE_SUFFIX)
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(json.dumps(note, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, sidecar)


def read_note(path: Path) -> dict:
    sidecar = path.with_name(path.name + NOTE_SUFFIX)
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"source": "capture", "recovered": True}


def pending(data_dir: Path) -> list[Path]:
    """Captured files not yet in the vault (oldest first)."""
    folder = capture_dir(data_dir)
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES and p.stat().st_size > 0]
    return sorted(files, key=lambda p: p.stat().st_mtime)


def ingest(ws, unlocked, path: Path, note: dict | None = None) -> Captured:
    path = Path(path)
    note = dict(note if note is not None else read_note(path))
    vault = ws.vault(unlocked)
    put, info = vault.import_file(path)
    if info.codec and "codec_probe" not in note:
        note["codec_probe"] = info.codec  # what ffprobe says the file holds
    text = json.dumps(note, ensure_ascii=False, sort_keys=True)
    with ws.store.write() as session:
        row = evidence_store.record(session, sha256=put.sha256, info=info, captured_by=unlocked.cert,
                                    original_name=path.name, note=text)
        ws.audit(session, "capture", f"evidence:{put.sha256}",
                 {"name": path.name, "size": put.size, "media_type": info.media_type, "kind": info.kind,
                  "source": note.get("source"), "video_codec": note.get("video_codec"),
                  "container": note.get("container"), "duplicate": not put.created})
        kind = row.kind
    for leftover in (path, path.with_name(path.name + NOTE_SUFFIX)):
        try:
            os.remove(leftover)
        except FileNotFoundError:
            pass
    return Captured(put.sha256, kind, put.size, note, not put.created)
