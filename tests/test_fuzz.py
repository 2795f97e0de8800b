"""Fuzzing the parsers that take outside input: only the documented errors ever come out.

Bounded (INSPECTOR_FUZZ_EXAMPLES, default 120 per target) so CI runs them in seconds; raise it
locally for a longer hunt. The bundle verifier has its own fuzzer (test_bundle_fuzz.py), the tus
endpoint its own (test_server_*).
"""
import copy
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector_app.crypto import signing
from inspector_app.domain import quiz, record
from inspector_app.domain.catalogue import CatalogueError, check_catalogue_data, load_catalogue
from inspector_app.domain.catalogue_import import import_table
from inspector_app.domain.messages import InspectorError
from inspector_app.paths import checklists_dir

EXAMPLES = int(os.environ.get("INSPECTOR_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SHIPPED = (checklists_dir() / "hazchem-registration-special-2025.toml").read_bytes()
META = dict(catalogue_id="fuzz", version="2026", title="t", issuer="i", source="s", scope="s")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=20) | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_bytes(draw, original: bytes):
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
    return bytes(data)


@FUZZ
@given(data=mutated_bytes(SHIPPED))
def test_catalogue_loader_only_raises_catalogue_errors(tmp_path, data):
    path = tmp_path / "hazchem-registration-special-2025.toml"
    path.write_bytes(data)
    try:
        load_catalogue(path)
    except CatalogueError as exc:
        assert exc.text() and "Traceback" not in exc.text()


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["format", "id", "version", "year", "title", "issuer", "source",
                                             "scope", "status", "items", "extra"]), json_values, max_size=11))
def test_catalogue_checks_any_structure(data):
    for problem in check_catalogue_data(data, file="fuzz.toml"):
        assert isinstance(problem, CatalogueError) and problem.text()


@FUZZ
@given(data=st.binary(max_size=600) | st.text(max_size=300).map(lambda t: ("序号,检查事项,检查内容,检查依据,执法依据\n" + t).encode("utf-8")))
def test_spreadsheet_importer_only_raises_catalogue_errors(tmp_path, data):
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    try:
        import_table(path, **META)
    except CatalogueError as exc:
        assert exc.text()


@FUZZ
@given(data=st.binary(max_size=400))
def test_question_bank_importer_only_raises_its_errors(tmp_path, data):
    path = tmp_path / "bank.csv"
    path.write_bytes(b"\xe9\xa2\x98\xe7\x9b\xae,\xe7\xad\x94\xe6\xa1\x88\n" + data)  # 题目,答案
    try:
        quiz.import_bank_table(path, bank_id="b", version="1", title="t", source="s")
    except InspectorError as exc:
        assert exc.text()


def _valid_payload() -> dict:
    keys = [signing.generate_private_key() for _ in range(2)]
    inspectors = [{"name": f"执法人员{n}", "cert": f"C-{n}", "public_key": signing.b64(signing.public_key_of(k))}
                  for n, k in enumerate(keys)]
    return record.example_payload(inspectors, evidence=[("a" * 64, 10)], findings=2)


VALID = _valid_payload()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(VALID) if p]


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace"]), json_values),
                      min_size=1, max_size=4))
def test_record_schema_reports_problems_never_crashes(edits):
    payload = copy.deepcopy(VALID)
    for path, op, value in edits:
        parent = payload
        try:
            for key in path[:-1]:
                parent = parent[key]
            if op == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    problems = record.record_problems(payload)
    assert all(p.text() for p in problems)
    try:
        data = record.record_bytes(payload)
    except InspectorError:
        assert problems
    else:
        assert not problems and json.loads(data) == json.loads(json.dumps(payload, ensure_ascii=False))


# --- tus request parsing (the server's Upload-Metadata, Upload-Checksum and integer headers) ---
from sync.protocol import wire  # noqa: E402
from sync.protocol.errors import SyncError  # noqa: E402
from sync.server.uploads.service import _int_header  # noqa: E402

header_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=80)


@FUZZ
@given(header=header_text)
def test_upload_metadata_parsing_only_raises_value_error(header):
    try:
        parsed = wire.decode_metadata(header)
    except ValueError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items())


@FUZZ
@given(values=st.dictionaries(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                                              blacklist_characters=","), min_size=1, max_size=12),
                              st.text(max_size=30), max_size=5))
def test_upload_metadata_round_trips(values):
    assert wire.decode_metadata(wire.encode_metadata(values)) == values


@FUZZ
@given(header=header_text)
def test_upload_checksum_parsing_only_raises_value_error(header):
    try:
        algorithm, digest = wire.parse_checksum(header)
    except ValueError:
        return
    assert isinstance(algorithm, str) and isinstance(digest, bytes)


@FUZZ
@given(value=st.none() | header_text)
def test_integer_headers_only_raise_the_coded_error(value):
    try:
        n = _int_header("Upload-Offset", value)
    except SyncError as exc:
        assert exc.code == "sync.malformed"
    else:
        assert isinstance(n, int) and n >= 0
