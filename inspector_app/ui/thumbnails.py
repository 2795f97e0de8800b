"""Thumbnails for the evidence grid: made off the GUI thread (store/derived.py through
services.thumbnail_jpeg, which keeps each one in the vault and finds it again), decoded to a QImage
in the worker, and handed to the GUI in time-boxed batches (BatchDrainer). Kept in memory, most
recently used first."""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from . import services
from .operations import BatchDrainer

log = logging.getLogger("inspector.ui")


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(self, ws, ops, session, size: QSize = QSize(160, 120), capacity: int = 600, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.ops = ops
        self.session = session
        self.size = size
        self.capacity = capacity
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._waiting: dict[str, list[Callable]] = {}
        self.failed: set[str] = set()
        self._drainer = BatchDrainer(self._arrived, parent=self)

    def get(self, sha: str) -> QPixmap | None:
        pix = self._cache.get(sha)
        if pix is not None:
            self._cache.move_to_end(sha)
        return pix

    def request(self, sha: str, callback: Callable[[QPixmap], None] | None = None) -> QPixmap | None:
        pix = self.get(sha)
        if pix is not None:
            if callback is not None:
                callback(pix)
            return pix
        if sha in self.failed:
            return None
        vault = self.session.vault
        if vault is None:
            return None
        first = sha not in self._waiting
        callbacks = self._waiting.setdefault(sha, [])
        if callback is not None:
            callbacks.append(callback)
        if first:
            ws, size, drainer = self.ws, self.size, self._drainer

            def work(op):
                data = services.thumbnail_jpeg(ws, vault, sha)
                image = QImage.fromData(data)
                if not image.isNull():
                    image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
                drainer.put((sha, image))

            self.ops.run(work, kind="media", on_error=lambda exc, sha=sha: self._failed(sha, exc), label="thumbnail")
        return None

    def _failed(self, sha: str, exc) -> None:
        log.info("no thumbnail for %s: %s", sha, exc)
        self.failed.add(sha)
        self._waiting.pop(sha, None)

    def _arrived(self, batch: list) -> None:
        for sha, image in batch:
            if image.isNull():
                self.failed.add(sha)
                self._waiting.pop(sha, None)
                continue
            pix = QPixmap.fromImage(image)
            self._cache[sha] = pix
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
            for cb in self._waiting.pop(sha, []):
                try:
                    cb(pix)
                except RuntimeError:  # the item it was for is gone
                    pass
            self.ready.emit(sha)
