"""Every released format still opens with the current code: the store (migrations run, nothing
lost), the vault and key slots (evidence decrypts), and bundles (they verify). One fixture per
format version in tests/fixtures/formats/, written by tools/make_format_fixtures.py and never
rewritten."""
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from inspector_app.domain import record as record_rules
from inspector_app.domain.bundle import verify_bundle
from inspector_app.store import audit_log, inspections, officers
from inspector_app.store.db import _alembic_config
from inspector_app.store.records import find_record
from inspector_app.workspace import Workspace

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures" / "formats").iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_a_released_store_and_vault_open_with_nothing_lost(fixture, tmp_path, monkeypatch):
    expect = json.loads((fixture / "expect.json").read_text("utf-8"))
    data = tmp_path / "data"
    shutil.copytree(fixture / "data", data)
    ws = Workspace(data)
    try:
        assert ws.store.schema_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
        with ws.store.read() as session:
            row = find_record(session, expect["record"])
            assert record_rules.record_hash(bytes(row.payload)) == expect["record"]
            payload = record_rules.parse_record(bytes(row.payload))
            keys = {i["cert"]: i["public_key"] for i in payload["inspectors"]}
            assert record_rules.check_signatures(bytes(row.payload), row.signatures, keys) == []
            assert inspections.get_row(session, expect["draft_inspection"]).status == "draft"
            assert audit_log.verify(session) == []
            unlocked = officers.unlock(session, "DEMO-0001", expect["passphrase"])
        with ws.vault(unlocked).open(expect["evidence"]) as reader:
            assert hashlib.sha256(reader.read()).hexdigest() == expect["evidence"]
        # the upgraded store keeps working: the draft can still be edited and signed
        from inspector_app.cli import main

        monkeypatch.setenv("INSPECTOR_PASSPHRASE", expect["passphrase"])
        assert main(["--data-dir", str(data), "inspection", "result", expect["draft_inspection"], "reg-3",
                     "compliant"]) == 0
    finally:
        ws.close()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_a_released_bundle_still_verifies(fixture):
    expect = json.loads((fixture / "expect.json").read_text("utf-8"))
    verdict = verify_bundle(fixture / "bundle.zip")
    assert verdict.genuine and verdict.record_hash == expect["record"], verdict.render("en")
