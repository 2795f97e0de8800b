"""What every request handler is handed: settings, the database, the blob store, upload runtime."""
from __future__ import annotations

from dataclasses import dataclass, field

from .blobstore import BlobStore, FolderBlobStore
from .db import Database
from .settings import Settings


@dataclass
class Context:
    settings: Settings
    db: Database
    blobs: BlobStore
    runtime: dict = field(default_factory=dict)  # per-process state owned by resources (upload locks…)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> "Context":
        db = Database(settings.db_url)
        if migrate:
            db.migrate()
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, db=db, blobs=FolderBlobStore(settings.store_dir))

    def close(self) -> None:
        self.db.close()
