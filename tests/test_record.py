"""The signed record: schema, rules, canonical bytes, signatures, schema upgrades; and the signer."""
from __future__ import annotations

import copy
import hashlib
import subprocess
import sys

import pytest

from inspector_app.crypto import signing
from inspector_app.crypto.canonical import canonical_bytes, is_canonical
from inspector_app.domain import record as rec
from inspector_app.domain.messages import InspectorError, catalogue

CERTS = ("35010001", "35010002", "35010003")


@pytest.fixture(scope="module")
def keys():
    return [signing.generate_private_key() for _ in CERTS]


def inspectors(keys, n=2):
    names = ("王五", "赵六", "钱七")
    return [{"name": names[i], "cert": CERTS[i], "public_key": signing.b64(signing.public_key_of(keys[i]))}
            for i in range(n)]


@pytest.fixture()
def payload(keys):
    evidence = [(hashlib.sha256(bytes([i])).hexdigest(), 1000 + i) for i in range(4)]
    return rec.example_payload(inspectors(keys), evidence=evidence, findings=2)


def codes(payload):
    return [p.code for p in rec.record_problems(payload)]


def raises_code(code, fn, *args):
    with pytest.raises(InspectorError) as info:
        fn(*args)
    assert info.value.code == code, info.value.text("en")
    return info.value


# --- the signer -----------------------------------------------------------------------------
def test_sign_and_verify_raw(keys):
    public = signing.public_key_of(keys[0])
    assert len(keys[0]) == 32 and len(public) == 32
    signature = signing.sign(keys[0], b"record")
    assert len(signature) == 64
    assert signing.verify(public, signature, b"record")
    assert not signing.verify(public, signature, b"recorD")
    assert not signing.verify(signing.public_key_of(keys[1]), signature, b"record")
    assert not signing.verify(public[:31], signature, b"record")
    assert not signing.verify(public, signature[:63], b"record")
    assert not signing.verify(b"\xff" * 32, signature, b"record")


def test_rfc8032_test_vector_1():
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    assert signing.public_key_of(secret).hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert signing.sign(secret, b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_base64_is_strict_and_round_trips(keys):
    public = signing.public_key_of(keys[0])
    text = signing.b64(public)
    assert len(text) == 44 and text.endswith("=")
    assert signing.unb64(text) == public
    for bad in (text[:-1], text.replace("=", ""), " " + text, text[:-2] + "B=", "a-_b", "é", 5):
        with pytest.raises(ValueError):
            signing.unb64(bad)


def test_fingerprint(keys):
    public = signing.public_key_of(keys[0])
    full = hashlib.sha256(public).hexdigest()
    assert signing.fingerprint(public) == full[:16]
    assert signing.fingerprint(public, full=True) == full


# --- the schema and the rules -----------------------------------------------------------------
def test_example_is_valid_and_bytes_are_canonical(payload):
    assert rec.record_problems(payload) == []
    data = rec.record_bytes(payload)
    assert is_canonical(data)
    assert data == canonical_bytes(payload)
    assert rec.record_hash(data) == hashlib.sha256(data).hexdigest()
    assert rec.parse_record(data) == payload


@pytest.mark.parametrize("count", [0, 1])
def test_one_inspector_is_refused_with_the_legal_reason(payload, count):
    payload["inspectors"] = payload["inspectors"][:count]
    error = raises_code("record.too_few_inspectors", rec.validate_record, payload)
    zh, en = error.text("zh"), error.text("en")
    assert "至少两名" in zh and "《中华人民共和国行政处罚法》第四十二条" in zh and "《中华人民共和国安全生产法》第六十七条" in zh
    assert "at least two" in en and "art. 42" in en and "art. 67" in en
    assert error.exit_code == 1


def test_same_inspector_twice_is_refused(payload):
    payload["inspectors"][1]["cert"] = payload["inspectors"][0]["cert"]
    assert "record.duplicate_inspector" in codes(payload)


def test_shared_key_is_refused(payload):
    payload["inspectors"][1]["public_key"] = payload["inspectors"][0]["public_key"]
    assert codes(payload) == ["record.duplicate_key"]


def test_finding_must_point_at_a_violated_item(payload):
    payload["items"][0]["result"] = "compliant"
    problems = rec.record_problems(payload)
    assert [p.code for p in problems] == ["record.finding_item_not_violation"]
    assert "KI-001" in problems[0].text("zh") and "compliant" in problems[0].text("en")
    payload["items"][0]["result"] = "violation"
    payload["findings"][1]["item"] = "KI-999"
    assert codes(payload) == ["record.finding_item_unknown"]


def test_finding_evidence_must_be_listed(payload):
    payload["findings"][0]["evidence"].append("f" * 64)
    assert codes(payload) == ["record.finding_evidence_unknown"]


def test_missing_and_unexpected_fields_name_path_and_field(payload):
    del payload["findings"][1]["location"]
    payload["enterprise"]["fax"] = "x"
    problems = rec.record_problems(payload)
    by_code = {p.code: p for p in problems}
    assert by_code["record.missing_field"].params == {"path": "$.findings[1]", "field": "location"}
    assert by_code["record.unexpected_field"].params == {"path": "$.enterprise", "field": "fax"}
    assert "$.findings[1]" in by_code["record.missing_field"].text("zh")


@pytest.mark.parametrize("mutate, path, field", [
    (lambda p: p["findings"][0].__setitem__("grade", "critical"), "$.findings[0].grade", "grade"),
    (lambda p: p["evidence"][0].__setitem__("size", 1000.0), "$.evidence[0].size", "size"),
    (lambda p: p["evidence"][0].__setitem__("gps", {"lat": 26.07, "lon": "119.29"}), "$.evidence[0].gps.lat", "lat"),
    (lambda p: p["evidence"][0].__setitem__("sha256", p["evidence"][0]["sha256"] + "\n"), "$.evidence[0].sha256", "sha256"),
    (lambda p: p.__setitem__("started_at", "2025-06-30T09:30:00"), "$.started_at", "started_at"),
    (lambda p: p.__setitem__("ended_at", "2025-13-30T09:30:00+08:00"), "$.ended_at", "ended_at"),
    (lambda p: p["findings"][1].__setitem__("deadline", "2025-02-30"), "$.findings[1].deadline", "deadline"),
    (lambda p: p["enterprise"].__setitem__("code", "91350100M000100Y44"), "$.enterprise.code", "code"),
    (lambda p: p["inspectors"][0].__setitem__("public_key", "AAAA"), "$.inspectors[0].public_key", "public_key"),
    (lambda p: p["items"][0].__setitem__("major_hazard", 1), "$.items[0].major_hazard", "major_hazard"),
    (lambda p: p.__setitem__("kind", "party"), "$.kind", "kind"),
])
def test_invalid_values_name_path_and_field(payload, mutate, path, field):
    mutate(payload)
    error = raises_code("record.invalid", rec.validate_record, payload)
    assert error.params["path"] == path and error.params["field"] == field
    assert path in error.text("zh") and field in error.text("en")


def test_no_floats_anywhere(payload):
    payload["audit_head"]["seq"] = 42.0
    assert codes(payload) == ["record.invalid"]
    payload["audit_head"]["seq"] = True
    assert codes(payload) == ["record.invalid"]


def test_time_and_coordinate_rules(payload):
    payload["ended_at"] = "2025-06-30T09:00:00+08:00"
    payload["findings"][1]["deadline"] = "2025-06-29"
    payload["evidence"][0]["gps"] = {"lat": "90.0000001", "lon": "119.29"}
    assert sorted(codes(payload)) == ["record.bad_coordinate", "record.deadline_before_inspection",
                                      "record.times_out_of_order"]


def test_audit_head_belongs_to_the_device(payload):
    payload["audit_head"]["device"] = "other-laptop"
    assert codes(payload) == ["record.audit_device"]


def test_quiz_shape(payload):
    payload["quiz"] = {"bank": "福建省题库 2025", "persons": [
        {"name": "张三", "role": "principal", "questions": 10, "correct": 9, "passed": True}]}
    assert codes(payload) == []
    payload["quiz"]["persons"][0]["correct"] = 11
    assert codes(payload) == ["record.quiz_score"]


def test_amends_shape(payload):
    payload["amends"] = {"record": "a" * 64, "reason": "更正整改期限"}
    assert codes(payload) == []
    payload["amends"] = {"record": "A" * 64, "reason": "x"}
    assert codes(payload) == ["record.invalid"]


def test_unknown_schema(payload):
    payload["schema"] = "inspector.record/99"
    raises_code("record.unknown_schema", rec.validate_record, payload)
    raises_code("record.unknown_schema", rec.upgrade, payload)


# --- schema upgrades ------------------------------------------------------------------------
def test_upgrade_of_current_is_an_identity_copy(payload):
    upgraded = rec.upgrade(payload)
    assert upgraded == payload and upgraded is not payload


def test_upgrade_chain_runs_each_step(payload, monkeypatch):
    # A pretend earlier format: `place` was called `site`, and there was no audit head.
    def zero_to_one(old):
        new = dict(old)
        new["place"] = new.pop("site")
        new["audit_head"] = {"device": new["device_id"], "seq": 0, "hash": "0" * 64}
        return new

    monkeypatch.setitem(rec.UPGRADES, "inspector.record/0", ("inspector.record/1", zero_to_one))
    old = copy.deepcopy(payload)
    old["schema"] = "inspector.record/0"
    old["site"] = old.pop("place")
    del old["audit_head"]
    upgraded = rec.upgrade(old)
    assert upgraded["schema"] == rec.CURRENT_SCHEMA
    assert upgraded["place"] == payload["place"] and "site" not in upgraded
    assert rec.record_problems(upgraded) == []
    assert old["schema"] == "inspector.record/0"  # the input is untouched


def test_upgrade_loop_is_refused(payload, monkeypatch):
    monkeypatch.setitem(rec.UPGRADES, "inspector.record/0", ("inspector.record/0", lambda p: p))
    payload["schema"] = "inspector.record/0"
    raises_code("record.unknown_schema", rec.upgrade, payload)


# --- signing records --------------------------------------------------------------------------
def signers(keys, n=2):
    return [(CERTS[i], keys[i]) for i in range(n)]


def public_keys(payload):
    return {i["cert"]: i["public_key"] for i in payload["inspectors"]}


def test_sign_record_and_check(payload, keys):
    data = rec.record_bytes(payload)
    signatures = rec.sign_record(data, list(reversed(signers(keys))))
    assert [s["cert"] for s in signatures] == [CERTS[0], CERTS[1]]  # the record's order
    assert rec.check_signatures(data, signatures, public_keys(payload)) == []
    for s, key in zip(signatures, keys):
        assert signing.verify(signing.public_key_of(key), signing.unb64(s["signature"]), data)


def test_sign_record_refuses_wrong_signers(payload, keys):
    data = rec.record_bytes(payload)
    raises_code("record.signers_mismatch", rec.sign_record, data, signers(keys, 1))
    raises_code("record.signers_mismatch", rec.sign_record, data, signers(keys, 3))
    raises_code("record.signers_mismatch", rec.sign_record, data, [(CERTS[0], keys[0]), (CERTS[2], keys[2])])
    raises_code("record.duplicate_signer", rec.sign_record, data, signers(keys) + [(CERTS[0], keys[0])])
    raises_code("record.signer_key_mismatch", rec.sign_record, data, [(CERTS[0], keys[0]), (CERTS[1], keys[2])])


def test_sign_record_refuses_bad_bytes(payload, keys):
    data = rec.record_bytes(payload)
    raises_code("record.not_canonical", rec.sign_record, data + b"\n", signers(keys))
    raises_code("record.unreadable", rec.sign_record, b"{", signers(keys))
    one = copy.deepcopy(payload)
    one["inspectors"] = one["inspectors"][:1]
    raises_code("record.too_few_inspectors", rec.sign_record, canonical_bytes(one), signers(keys, 1))


def test_check_signatures_names_what_failed(payload, keys):
    data = rec.record_bytes(payload)
    signatures = rec.sign_record(data, signers(keys))
    pks = public_keys(payload)

    tampered = data.replace("示例化工".encode(), "示范化工".encode())
    problems = rec.check_signatures(tampered, signatures, pks)
    assert [(p.code, p.subject) for p in problems] == [("signature.invalid", CERTS[0]), ("signature.invalid", CERTS[1])]
    assert "王五" in problems[0].text("zh")

    assert [p.code for p in rec.check_signatures(data, signatures[:1], pks)] == ["signature.missing"]

    stranger = {"cert": CERTS[2], "signature": signing.b64(signing.sign(keys[2], data))}
    assert [(p.code, p.subject) for p in rec.check_signatures(data, signatures + [stranger], pks)] == [
        ("signature.unknown_key", CERTS[2])]
    assert [p.code for p in rec.check_signatures(data, signatures, {**pks, CERTS[2]: signing.b64(signing.public_key_of(keys[2]))})] == [
        "signature.extra_public_key"]
    assert [p.code for p in rec.check_signatures(data, signatures, {CERTS[0]: pks[CERTS[0]]})] == ["signature.public_key_missing"]
    swapped = {CERTS[0]: pks[CERTS[1]], CERTS[1]: pks[CERTS[1]]}
    assert [p.code for p in rec.check_signatures(data, signatures, swapped)] == ["signature.public_key_mismatch"]

    # A signature made by another key, under an inspector's name.
    forged = [signatures[0], {"cert": CERTS[1], "signature": signing.b64(signing.sign(keys[2], data))}]
    assert [(p.code, p.subject) for p in rec.check_signatures(data, forged, pks)] == [("signature.invalid", CERTS[1])]

    assert [p.code for p in rec.check_signatures(data, signatures + signatures[:1], pks)] == ["signature.duplicate"]
    malformed = rec.check_signatures(data, signatures + [{"cert": CERTS[0]}, {"cert": "x", "signature": "AAAA"}], pks)
    assert [p.code for p in malformed] == ["signature.malformed", "signature.malformed"]
    assert [p.code for p in rec.check_signatures(b"not json", signatures, pks)] == ["record.unreadable"]
    assert "signature.malformed" in [p.code for p in rec.check_signatures(data, "nope", pks)]


# --- the house rules ----------------------------------------------------------------------------
def test_messages_use_the_same_placeholders_in_both_languages():
    import inspector_app.domain.audit  # noqa: F401 - registers its messages
    import inspector_app.domain.bundle  # noqa: F401

    mine = [m for code, m in catalogue().items() if code.split(".")[0] in ("record", "signature", "audit", "bundle")]
    assert len(mine) > 40
    for message in mine:
        assert message.placeholders("zh") == message.placeholders("en"), message.code


def test_core_modules_import_without_qt_or_sqlalchemy():
    code = (
        "import sys\n"
        "for name in ('PySide6', 'sqlalchemy'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "import inspector_app.crypto.canonical, inspector_app.crypto.signing\n"
        "import inspector_app.domain.record, inspector_app.domain.audit, inspector_app.domain.bundle\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6.', 'sqlalchemy.'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
