"""The device store: one SQLite file in WAL mode, one writer.

Every write goes through ``Store.write()``: it holds the writer lock, begins with BEGIN IMMEDIATE
(so a second process waits for the lock instead of failing half-way), commits when the block ends
and rolls back if it raises. That context manager is where every transaction starts and ends.
Reads use ``Store.read()``, a plain deferred transaction that sees a consistent snapshot.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inspector_app.domain.messages import InspectorError, define

NEWER_STORE = define(
    "store.newer_version",
    "数据文件 {path} 由更新版本的 Inspector 创建（版本 {found}），请升级本程序后再打开；数据未作任何改动。",
    "The store {path} was written by a newer Inspector (revision {found}); upgrade this program to open it. Nothing was changed.",
)
NOT_A_STORE = define(
    "store.unreadable",
    "无法打开数据文件 {path}：{reason}",
    "Cannot open the store {path}: {reason}",
)

DB_NAME = "inspector.db"
_MIGRATIONS = Path(__file__).with_name("migrations")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def _make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event decide how a transaction starts (pysqlite would otherwise
        # begin implicitly and deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("writer"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


class Store:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self._lock = threading.RLock()
        self.engine: Engine | None = None

    def open(self) -> "Store":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = _make_engine(self.path)
        self._migrate()
        from .search import ensure_search_index

        with self._lock:
            ensure_search_index(self.path)
        return self

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def __enter__(self) -> "Store":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self) -> None:
        cfg = _alembic_config()
        script = ScriptDirectory.from_config(cfg)
        known = {rev.revision for rev in script.walk_revisions()}
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except Exception as exc:  # not a database, or a locked or damaged file
            raise InspectorError(NOT_A_STORE, path=str(self.path), reason=str(exc)) from exc
        if current is not None and current not in known:
            raise InspectorError(NEWER_STORE, path=str(self.path), found=current)
        if current == script.get_current_head():
            return
        with self._lock, self.engine.execution_options(writer=True).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The one way to change the store: a BEGIN IMMEDIATE transaction under the writer lock."""
        with self._lock:
            with self.engine.execution_options(writer=True).connect() as conn:
                with Session(bind=conn, expire_on_commit=False) as session:
                    with conn.begin():
                        yield session
                        session.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.engine.connect() as conn:
            with Session(bind=conn, expire_on_commit=False) as session:
                with conn.begin():
                    yield session
