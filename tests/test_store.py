"""The device store: a real SQLite file, WAL, migrations, one writer, immutability enforced by SQLite."""
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from inspector_app.demo import demo_enterprises
from inspector_app.domain.messages import InspectorError
from inspector_app.store import enterprises, models
from inspector_app.store.db import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path).open()
    yield s
    s.close()


def test_fresh_store_is_wal_at_head_and_matches_the_models(store):
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    from alembic.script import ScriptDirectory

    from inspector_app.store.db import _alembic_config

    assert store.schema_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.Base.metadata)
    # The FTS tables belong to sqlite-utils, not to the models.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("enterprises_fts"))]
    assert diff == []


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path):
    Store(tmp_path).open().close()
    raw = sqlite3.connect(tmp_path / "inspector.db")
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    before = (tmp_path / "inspector.db").read_bytes()
    with pytest.raises(InspectorError) as err:
        Store(tmp_path).open()
    assert err.value.code == "store.newer_version"
    assert "9999" in err.value.text() and "升级" in err.value.text()
    assert (tmp_path / "inspector.db").read_bytes() == before


def test_a_file_that_is_no_database_gets_a_clear_error(tmp_path):
    (tmp_path / "inspector.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InspectorError) as err:
        Store(tmp_path).open()
    assert err.value.code == "store.unreadable"


def test_a_failed_write_leaves_nothing_behind(store):
    county = demo_enterprises(3)
    with pytest.raises(RuntimeError):
        with store.write() as session:
            enterprises.add(session, county[0])
            session.flush()
            raise RuntimeError("crash in the middle of a transaction")
    with store.read() as session:
        assert enterprises.count(session) == 0
    with store.write() as session:
        enterprises.add(session, county[0])
    with store.read() as session:
        assert enterprises.count(session) == 1


def test_signed_rows_and_the_audit_log_cannot_change(store):
    enterprise = demo_enterprises(1)[0]
    with store.write() as session:
        enterprises.add(session, enterprise)
        session.add(models.Inspection(id="i", enterprise_code=enterprise.code, status="draft", inspectors=[],
                                      catalogues=[], created_at="t", started_at="t", updated_at="t"))
        session.flush()
        session.add(models.Finding(id="f", inspection_id="i", enterprise_code=enterprise.code, item_id="x",
                                   description="d", grade="general", created_at="t"))
        session.execute(text("INSERT INTO audit(seq, entry, hash) VALUES (1, '{}', 'h')"))
        session.execute(text(
            "INSERT INTO records(hash, inspection_id, payload, signatures, amends, created_at) "
            "VALUES ('r', 'i', x'00', '[]', NULL, 'now')"))
    with store.write() as session:
        session.execute(text("UPDATE findings SET description = 'still a draft' WHERE id = 'f'"))
        session.execute(text("UPDATE inspections SET status = 'signed' WHERE id = 'i'"))
    for statement in ["UPDATE audit SET hash = 'x'", "DELETE FROM audit",
                      "UPDATE records SET payload = x'01'", "DELETE FROM records",
                      "UPDATE findings SET description = 'changed after signing'",
                      "DELETE FROM findings",
                      "INSERT INTO findings(id, inspection_id, enterprise_code, item_id, description, location, "
                      "grade, repeat_offence, repeat_of, self_reported, created_at) "
                      "VALUES ('g', 'i', 'c', 'x', 'd', '', 'general', 0, '[]', 0, 't')",
                      "UPDATE inspections SET status = 'draft'"]:
        with pytest.raises(IntegrityError):
            with store.write() as session:
                session.execute(text(statement))
