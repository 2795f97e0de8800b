from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Blob(Base):
    """An evidence original committed to the blob store under its verified sha256."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[str] = mapped_column(String(40))


class BlobUploader(Base):
    """Devices that transferred a blob's bytes (they may read it back)."""

    __tablename__ = "blob_uploaders"
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    device: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
