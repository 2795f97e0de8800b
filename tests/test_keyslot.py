"""Key slots: passphrase -> Argon2id KEK -> the vault key and the officer's signing key."""
from __future__ import annotations

import json
import unicodedata

import pytest

from inspector_app.crypto import keyslot
from inspector_app.crypto.keyslot import KdfParams, KeySlot, generate_vault_key
from inspector_app.domain.messages import InspectorError

FAST = KdfParams(iterations=1, lanes=1, memory_cost=64)  # tests only; the defaults are slow on purpose
SECRETS = {"vault": bytes(range(32)), "signing": bytes(range(32, 64))}


def _code(excinfo) -> str:
    return excinfo.value.code


def test_unlock_gives_back_the_secrets():
    slot = KeySlot.create("正确的口令 correct horse", SECRETS, FAST)
    assert slot.unlock("正确的口令 correct horse") == SECRETS


def test_a_wrong_passphrase_is_refused():
    slot = KeySlot.create("right", SECRETS, FAST)
    for wrong in ("wrong", "Right", "right ", "righ"):
        with pytest.raises(InspectorError) as e:
            slot.unlock(wrong)
        assert _code(e) == "keyslot.wrong_passphrase"


def test_an_empty_passphrase_is_refused():
    with pytest.raises(InspectorError) as e:
        KeySlot.create("", SECRETS, FAST)
    assert _code(e) == "keyslot.empty_passphrase"


def test_json_round_trip_and_nothing_secret_in_the_clear():
    slot = KeySlot.create("pass", SECRETS, FAST, purpose="officer")
    data = slot.to_json()
    text = json.dumps(data)  # JSON-serialisable as is (the store keeps it in a JSON column)
    assert data["version"] == keyslot.VERSION and data["format"] == "inspector-keyslot"
    assert data["kdf"] == {"algorithm": "argon2id", "salt": data["kdf"]["salt"], "iterations": 1, "lanes": 1,
                           "memory_cost": 64}
    assert "vault" not in text and "signing" not in text  # even the secrets' names are encrypted
    for loaded in (KeySlot.from_json(data), KeySlot.from_json(text), KeySlot.from_json(text.encode())):
        assert loaded == slot
        assert loaded.unlock("pass") == SECRETS


def test_each_slot_has_its_own_salt_and_nonce():
    a = KeySlot.create("pass", SECRETS, FAST)
    b = KeySlot.create("pass", SECRETS, FAST)
    assert a.salt != b.salt and a.nonce != b.nonce and a.ciphertext != b.ciphertext


@pytest.mark.parametrize("change", [
    lambda d: d.update(purpose="server"),
    lambda d: d["kdf"].update(iterations=2),
    lambda d: d["kdf"].update(memory_cost=128),
    lambda d: d.update(nonce="AAAAAAAAAAAAAAAA"),
])
def test_every_clear_field_is_authenticated(change):
    data = KeySlot.create("pass", SECRETS, FAST).to_json()
    change(data)
    with pytest.raises(InspectorError) as e:
        KeySlot.from_json(data).unlock("pass")
    assert _code(e) == "keyslot.wrong_passphrase"


def test_rewrap_changes_the_passphrase_and_keeps_the_secrets():
    slot = KeySlot.create("old", SECRETS, FAST)
    new = slot.rewrap("old", "new 新口令")
    assert new.unlock("new 新口令") == SECRETS
    assert new.salt != slot.salt and new.params == FAST
    with pytest.raises(InspectorError):
        new.unlock("old")
    with pytest.raises(InspectorError) as e:
        slot.rewrap("not the old one", "x")
    assert _code(e) == "keyslot.wrong_passphrase"
    stronger = slot.rewrap("old", "old", KdfParams(iterations=2, lanes=2, memory_cost=256))
    assert stronger.params.iterations == 2 and stronger.unlock("old") == SECRETS


def test_passphrases_are_normalised():
    composed = unicodedata.normalize("NFC", "café 口令")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert KeySlot.create(composed, SECRETS, FAST).unlock(decomposed) == SECRETS


def test_the_default_parameters_work_and_are_strong():
    assert keyslot.DEFAULT_PARAMS.memory_cost >= 64 * 1024 and keyslot.DEFAULT_PARAMS.iterations >= 3
    slot = KeySlot.create("demo", {"vault": generate_vault_key()})
    assert slot.params == keyslot.DEFAULT_PARAMS
    assert len(slot.unlock("demo")["vault"]) == 32


def test_generate_vault_key():
    a, b = generate_vault_key(), generate_vault_key()
    assert len(a) == 32 and a != b


def test_an_ed25519_private_key_round_trips():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption())
    slot = KeySlot.create("pass", {"vault": generate_vault_key(), "signing": raw}, FAST)
    back = KeySlot.from_json(json.dumps(slot.to_json())).unlock("pass")["signing"]
    assert Ed25519PrivateKey.from_private_bytes(back).public_key() == Ed25519PrivateKey.from_private_bytes(raw).public_key()


@pytest.mark.parametrize("kdf, reason", [
    ({"memory_cost": 16 * 1024 * 1024}, "memory"),
    ({"iterations": 0}, "iterations"),
    ({"iterations": 10_000}, "iterations"),
    ({"lanes": 0}, "lanes"),
    ({"memory_cost": "64"}, "integer"),
])
def test_absurd_stored_parameters_are_refused_before_any_work(kdf, reason):
    data = KeySlot.create("pass", SECRETS, FAST).to_json()
    data["kdf"].update(kdf)
    with pytest.raises(InspectorError) as e:
        KeySlot.from_json(data)
    assert _code(e) == "keyslot.bad_params" and reason in e.value.params["reason"]


@pytest.mark.parametrize("data", [
    "not json", [], {"format": "something else"},
    {"format": "inspector-keyslot", "version": 1},
    {"format": "inspector-keyslot", "version": 1, "purpose": "officer", "cipher": "aes-256-gcm",
     "kdf": {"algorithm": "scrypt"}, "nonce": "", "ciphertext": ""},
])
def test_malformed_slots_are_refused(data):
    with pytest.raises(InspectorError) as e:
        KeySlot.from_json(data)
    assert _code(e) == "keyslot.bad_format"


# -- versions --------------------------------------------------------------------------------------

RELEASED_V1 = {  # written by format version 1; must unlock forever
    "cipher": "aes-256-gcm",
    "ciphertext": "qrkBlSEi8NJI5ABj8goZVTWMeIJ/ax60FkcgRMm4jbvhPDti80kCj1JXTW7LnI+i9kQ2hcaYtPkoXHDtrtda1G2hPfw/Ib"
                  "vKNEVPeX6IZnQ2QTOChKdNpYF8+SyRS6uiryPYPJN9A5g2c7uZpMY7JMJqD6TZDFsWtkR9AMzPXwrG",
    "format": "inspector-keyslot",
    "kdf": {"algorithm": "argon2id", "iterations": 1, "lanes": 1, "memory_cost": 64,
            "salt": "YlkGmjgLKe+VtAImXnQFIQ=="},
    "nonce": "PMAaYTjKj0gXufbN",
    "purpose": "officer",
    "version": 1,
}


def test_a_released_v1_slot_still_unlocks():
    assert KeySlot.from_json(RELEASED_V1).unlock("证据-fixture-口令") == {
        "vault": bytes(range(32)), "signing": bytes(range(32, 64))}


def test_a_newer_version_is_refused_with_a_clear_code():
    data = dict(RELEASED_V1, version=keyslot.VERSION + 1)
    with pytest.raises(InspectorError) as e:
        KeySlot.from_json(data)
    assert _code(e) == "keyslot.unknown_version" and e.value.params["version"] == keyslot.VERSION + 1


def test_an_older_version_without_an_upgrade_step_is_refused():
    with pytest.raises(InspectorError) as e:
        KeySlot.from_json(dict(RELEASED_V1, version=0))
    assert _code(e) == "keyslot.unknown_version"


def test_the_upgrade_chain_runs_on_load(monkeypatch):
    """The hook future versions will use: a step turns a version-n dict into version n+1. Here a
    pretend pre-release layout (version 0, KDF fields at the top level) is upgraded to version 1."""
    def from_v0(d: dict) -> dict:
        return {"format": d["format"], "version": 1, "purpose": d["purpose"], "cipher": d["cipher"],
                "nonce": d["nonce"], "ciphertext": d["ciphertext"],
                "kdf": {"algorithm": "argon2id", "salt": d["salt"], "iterations": d["t"], "lanes": d["p"],
                        "memory_cost": d["m"]}}

    monkeypatch.setitem(keyslot.UPGRADES, 0, from_v0)
    v0 = {"format": "inspector-keyslot", "version": 0, "purpose": "officer", "cipher": "aes-256-gcm",
          "nonce": RELEASED_V1["nonce"], "ciphertext": RELEASED_V1["ciphertext"], "salt": RELEASED_V1["kdf"]["salt"],
          "t": 1, "p": 1, "m": 64}
    slot = KeySlot.from_json(v0)
    assert slot.version == 1
    assert slot.unlock("证据-fixture-口令")["vault"] == bytes(range(32))
    assert slot.to_json() == RELEASED_V1

    monkeypatch.setitem(keyslot.UPGRADES, 0, lambda d: d)  # a step that forgets to bump the version
    with pytest.raises(RuntimeError):
        KeySlot.from_json(v0)
