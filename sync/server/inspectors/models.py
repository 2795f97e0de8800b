from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Inspector(Base):
    __tablename__ = "inspectors"
    cert: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class InspectorKey(Base):
    """Every public key registered for a certificate (rotations keep the old ones valid)."""

    __tablename__ = "inspector_keys"
    public_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cert: Mapped[str] = mapped_column(ForeignKey("inspectors.cert"), index=True)
    created_at: Mapped[str] = mapped_column(String(40))


class DeviceInspector(Base):
    """Which inspectors work on which device: set by the admin, and learnt from pushed records."""

    __tablename__ = "device_inspectors"
    device: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    cert: Mapped[str] = mapped_column(ForeignKey("inspectors.cert"), primary_key=True)
