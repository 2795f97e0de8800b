from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Draw(Base):
    """A draw: ``committed`` (pools frozen and their hashes published, seed not yet known), then
    ``drawn`` (seed entered, result computed and published)."""

    __tablename__ = "draws"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    period: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))           # committed | drawn
    seed_source: Mapped[str] = mapped_column(Text)            # how the seed will be fixed (announced in advance)
    inputs: Mapped[dict] = mapped_column(JSON)                # normalised inputs without the seed until drawn
    commitment: Mapped[dict] = mapped_column(JSON)            # the pools' hashes, published before the seed
    published: Mapped[dict | None] = mapped_column(JSON, nullable=True)   # inspector.draw/1 file once drawn
    previous_draw: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    drawn_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
