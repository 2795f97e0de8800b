"""The server database: SQLite (WAL) on one machine, PostgreSQL for replicas; one Alembic history.

``Database.write()`` is where every changing transaction begins and ends: on SQLite it starts with
BEGIN IMMEDIATE (writers queue on the lock instead of failing half-way through), on PostgreSQL it
is a plain READ COMMITTED transaction whose races end at unique constraints, which the services
turn into the idempotent answer. ``Database.read()`` is a transaction that changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session

from inspector_app.domain.messages import InspectorError, define

MIGRATIONS = Path(__file__).with_name("migrations")

NEWER_DB = define(
    "server.newer_database",
    "服务器数据库 {url} 由更新版本的 inspector-server 创建（版本 {found}），请升级本程序",
    "The server database {url} was written by a newer inspector-server (revision {found}); upgrade this program",
)
DB_UNREACHABLE = define(
    "server.database_unreachable",
    "无法打开服务器数据库 {url}：{reason}",
    "Cannot open the server database {url}: {reason}",
)


class Base(DeclarativeBase):
    pass


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_size=20, max_overflow=20, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        cfg = _alembic_config()
        script = ScriptDirectory.from_config(cfg)
        known = {rev.revision for rev in script.walk_revisions()}
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except Exception as exc:  # unreachable server, bad credentials, not a database
            raise InspectorError(DB_UNREACHABLE, exit_code=1, url=self.display_url(), reason=str(exc)) from exc
        if current is not None and current not in known:
            raise InspectorError(NEWER_DB, exit_code=1, url=self.display_url(), found=current)
        if current == script.get_current_head():
            return
        with self.engine.execution_options(writer=True).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Session]:
        """A writing transaction. ``durable=False`` is for bookkeeping whose loss in a power cut
        costs a re-send but never a wrong answer (an upload's acknowledged offset): its commit does
        not wait for the disk, so it does not queue behind the upload's own writes. A crash of
        the server process loses nothing either way; the commit stays atomic and ordered."""
        with self.engine.execution_options(writer=True).connect() as conn:
            sqlite = not durable and conn.dialect.name == "sqlite"
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            try:
                with Session(bind=conn, expire_on_commit=False) as session:
                    with conn.begin():
                        if not durable and conn.dialect.name == "postgresql":
                            conn.exec_driver_sql("SET LOCAL synchronous_commit TO off")
                        yield session
                        session.flush()
            finally:
                if sqlite:
                    conn.connection.dbapi_connection.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.engine.connect() as conn:
            with Session(bind=conn, expire_on_commit=False) as session:
                with conn.begin():
                    yield session

    def close(self) -> None:
        self.engine.dispose()
