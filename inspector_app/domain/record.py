"""The signed record: its payload schema (``inspector.record/1``), validation, bytes, hash, signatures.

A record is a JSON object validated against ``record.schema.json`` plus the rules JSON Schema cannot
express (two distinct officers, findings that point at violated items, evidence that resolves). Its
signed form is the RFC 8785 canonical serialization (``record_bytes``); its id is the sha256 of those
bytes (``record_hash``); each inspector signs the exact bytes with Ed25519 (``sign_record``), and
anyone can check them (``check_signatures``). Once signed, a record never changes: a correction is a
new record whose ``amends`` names the hash of the one it corrects.

Validation knows every schema version ever released (old bundles must keep verifying); only the
current version can be produced and signed. ``upgrade`` lifts an old payload to the current shape
for reading; it never touches signed bytes.
"""
from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import jsonschema
from jsonschema import validators

from ..crypto import signing
from ..crypto.canonical import canonical_bytes, is_canonical, loads_strict
from .enterprise import validate_uscc
from .messages import InspectorError, define, render
from .schemas import inline_refs

__all__ = [
    "CURRENT_SCHEMA",
    "SCHEMA_FILES",
    "UPGRADES",
    "Problem",
    "upgrade",
    "record_problems",
    "validate_record",
    "record_bytes",
    "record_hash",
    "parse_record",
    "sign_record",
    "check_signatures",
    "signature_report",
]

CURRENT_SCHEMA = "inspector.record/1"
# Every released schema version and its JSON Schema file (next to this module). Never remove one:
# a bundle signed years ago must still verify.
SCHEMA_FILES: dict[str, str] = {"inspector.record/1": "record.schema.json"}

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------
INVALID = define(
    "record.invalid",
    "记录中 {path} 处的字段“{field}”不符合要求（{rule}）",
    'Record field "{field}" at {path} is invalid ({rule})',
)
MISSING_FIELD = define(
    "record.missing_field",
    "记录中 {path} 缺少必填字段“{field}”",
    'Record is missing the required field "{field}" at {path}',
)
UNEXPECTED_FIELD = define(
    "record.unexpected_field",
    "记录中 {path} 含有本格式未定义的字段“{field}”",
    'Record has a field "{field}" at {path} that its schema does not define',
)
TOO_FEW_INSPECTORS = define(
    "record.too_few_inspectors",
    "执法检查须由至少两名持证执法人员进行，本记录只有 {count} 名"
    "（《中华人民共和国行政处罚法》第四十二条、《中华人民共和国安全生产法》第六十七条）",
    "An inspection must be carried out by at least two certified officers; this record has {count} "
    "(Administrative Penalty Law art. 42, Work Safety Law art. 67)",
)
DUPLICATE_INSPECTOR = define(
    "record.duplicate_inspector",
    "执法证号 {cert} 在执法人员中出现了不止一次，两名执法人员须为不同的人",
    "Certificate number {cert} appears more than once among the inspectors; the two officers must be different people",
)
DUPLICATE_KEY = define(
    "record.duplicate_key",
    "执法人员 {cert} 与 {other} 使用同一把公钥，每名执法人员须有自己的密钥",
    "Inspectors {cert} and {other} have the same public key; each officer must have their own key",
)
DUPLICATE_ID = define(
    "record.duplicate_id",
    "记录中 {path} 的标识 {id} 重复",
    "Identifier {id} at {path} is not unique in the record",
)
UNKNOWN_CATALOGUE = define(
    "record.unknown_catalogue",
    "检查项 {item} 所属的检查目录 {catalogue}（版本 {version}）未列入记录的目录清单",
    "Item {item} belongs to catalogue {catalogue} version {version}, which the record's catalogue list does not name",
)
FINDING_ITEM_UNKNOWN = define(
    "record.finding_item_unknown",
    "问题 {finding} 指向的检查项 {item} 不在本次检查的检查项中",
    "Finding {finding} refers to item {item}, which is not among this inspection's items",
)
FINDING_ITEM_NOT_VIOLATION = define(
    "record.finding_item_not_violation",
    "问题 {finding} 对应的检查项 {item} 的检查结果是“{result}”，应为“violation”（不符合）",
    'Finding {finding} refers to item {item}, whose result is "{result}", not "violation"',
)
FINDING_EVIDENCE_UNKNOWN = define(
    "record.finding_evidence_unknown",
    "问题 {finding} 引用的证据 {sha256} 未列入记录的证据清单",
    "Finding {finding} cites evidence {sha256}, which the record's evidence list does not contain",
)
TIMES_OUT_OF_ORDER = define(
    "record.times_out_of_order",
    "检查结束时间 {ended_at} 早于开始时间 {started_at}",
    "The inspection ends ({ended_at}) before it starts ({started_at})",
)
DEADLINE_BEFORE_INSPECTION = define(
    "record.deadline_before_inspection",
    "问题 {finding} 的整改期限 {deadline} 早于检查日期 {date}",
    "Finding {finding} has a rectification deadline {deadline} before the inspection date {date}",
)
BAD_COORDINATE = define(
    "record.bad_coordinate",
    "证据 {sha256} 的坐标 {field}={value} 超出范围",
    "Evidence {sha256} has coordinate {field}={value} out of range",
)
QUIZ_SCORE = define(
    "record.quiz_score",
    "考试记录中 {name} 答对 {correct} 题，多于题目总数 {questions}",
    "Quiz entry for {name} has {correct} correct answers out of only {questions} questions",
)
AUDIT_DEVICE = define(
    "record.audit_device",
    "审计日志头所属设备 {audit_device} 与记录的设备 {device} 不一致",
    "The audit head belongs to device {audit_device}, not to the record's device {device}",
)
UNKNOWN_SCHEMA = define(
    "record.unknown_schema",
    "记录格式 {schema} 未知（本程序支持：{known}），请更新程序",
    "Unknown record format {schema} (this program knows: {known}); update the program",
)
OLD_SCHEMA = define(
    "record.old_schema",
    "记录格式 {schema} 已不是当前格式 {current}，只能核验，不能再签署",
    "Record format {schema} is not the current format {current}; it can be verified but not signed",
)
UNREADABLE = define(
    "record.unreadable",
    "记录不是有效的 UTF-8 JSON 对象：{reason}",
    "The record is not a valid UTF-8 JSON object: {reason}",
)
NOT_CANONICAL = define(
    "record.not_canonical",
    "记录的字节不是 RFC 8785 规范 JSON（签名后被重新排版或改动过）",
    "The record's bytes are not RFC 8785 canonical JSON (re-formatted or changed after signing)",
)
SIGNERS_MISMATCH = define(
    "record.signers_mismatch",
    "签名人须与记录所列执法人员完全一致：未签名 {missing}；不在记录中 {extra}",
    "The signers must be exactly the record's inspectors: not signing {missing}; not in the record {extra}",
)
DUPLICATE_SIGNER = define(
    "record.duplicate_signer",
    "执法证号 {cert} 被重复用于签名",
    "Certificate number {cert} is given more than once to sign",
)
SIGNER_KEY_MISMATCH = define(
    "record.signer_key_mismatch",
    "执法人员 {cert} 的私钥与记录中其公钥不匹配",
    "The private key given for {cert} does not match the public key the record lists for them",
)
SIG_MALFORMED = define(
    "signature.malformed",
    "签名列表第 {index} 项格式不正确（应为 {{\"cert\": 执法证号, \"signature\": 64 字节签名的 base64}}）",
    'Signature entry {index} is malformed (expected {{"cert": certificate, "signature": base64 of 64 bytes}})',
)
SIG_DUPLICATE = define(
    "signature.duplicate",
    "执法证号 {cert} 有不止一个签名",
    "There is more than one signature for certificate {cert}",
)
SIG_UNKNOWN_KEY = define(
    "signature.unknown_key",
    "有一个签名来自证号 {cert}，但该证号不是本记录所列的执法人员（未知公钥）",
    "A signature claims certificate {cert}, which is not one of the record's inspectors (unknown key)",
)
SIG_MISSING = define(
    "signature.missing",
    "执法人员 {name}（证号 {cert}）没有签名",
    "Inspector {name} (certificate {cert}) has not signed",
)
SIG_INVALID = define(
    "signature.invalid",
    "执法人员 {name}（证号 {cert}）的签名与记录内容不符：记录被改动，或签名不是此人的密钥所签",
    "The signature of inspector {name} (certificate {cert}) does not match the record: the record was "
    "changed, or the signature was not made with this officer's key",
)
SIG_KEYS_MALFORMED = define(
    "signature.public_keys_malformed",
    "公钥表格式不正确（应为 执法证号 → 32 字节公钥的 base64）",
    "The public-key table is malformed (expected certificate → base64 of a 32-byte public key)",
)
SIG_KEY_MISSING = define(
    "signature.public_key_missing",
    "公钥表中没有执法人员 {name}（证号 {cert}）的公钥",
    "The public-key table has no key for inspector {name} (certificate {cert})",
)
SIG_KEY_MISMATCH = define(
    "signature.public_key_mismatch",
    "公钥表中执法人员 {name}（证号 {cert}）的公钥与记录中所列不一致",
    "The public-key table's key for inspector {name} (certificate {cert}) differs from the key in the record",
)
SIG_EXTRA_KEY = define(
    "signature.extra_public_key",
    "公钥表含有不属于本记录执法人员的证号 {cert}（未知公钥）",
    "The public-key table has certificate {cert}, who is not one of the record's inspectors (unknown key)",
)


# ---------------------------------------------------------------------------------------------
# Problems: a finding about some data, to be listed rather than raised
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong, with a message code from the catalogue and the subject it is about."""

    code: str
    subject: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        return render(self.code, lang, **self.params)

    def error(self) -> InspectorError:
        return InspectorError(self.code, **self.params)


# ---------------------------------------------------------------------------------------------
# Schema versions and the upgrade chain
# ---------------------------------------------------------------------------------------------
# UPGRADES[old_version] = (next_version, step): step takes a deep copy of an `old_version` payload
# and returns it in `next_version` shape. Steps chain until CURRENT_SCHEMA.
UPGRADES: dict[str, tuple[str, Callable[[dict], dict]]] = {}


def upgrade(payload: Mapping[str, Any]) -> dict:
    """A copy of ``payload`` in the current schema's shape (for reading; signed bytes never change)."""
    current = copy.deepcopy(dict(payload))
    seen: set[str] = set()
    while current.get("schema") != CURRENT_SCHEMA:
        version = current.get("schema")
        if not isinstance(version, str) or version not in UPGRADES or version in seen:
            raise InspectorError(UNKNOWN_SCHEMA, schema=version, known=", ".join(_known_versions()))
        seen.add(version)
        target, step = UPGRADES[version]
        current = step(current)
        current["schema"] = target
    return current


def _known_versions() -> list[str]:
    return sorted(set(SCHEMA_FILES) | set(UPGRADES))


# ---------------------------------------------------------------------------------------------
# JSON Schema machinery
# ---------------------------------------------------------------------------------------------
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


@_FORMATS.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@_FORMATS.checks("uscc")
def _is_uscc(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return validate_uscc(value) == value
    except InspectorError:
        return False


def _whole_string_pattern(validator, pattern, instance, schema):
    """``pattern`` with ECMA-262 semantics for our anchored patterns.

    Python's ``$`` also matches before a final newline, so ``"…64 hex…\\n"`` would pass
    ``^[0-9a-f]{64}$`` under a plain ``re.search``; anchored patterns are matched whole instead.
    """
    if not validator.is_type(instance, "string"):
        return
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        ok = re.fullmatch(pattern[1:-1], instance) is not None
    else:
        ok = re.search(pattern, instance) is not None
    if not ok:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def _strict_integer(checker, instance) -> bool:
    # JSON Schema counts 1.0 as an integer; a record carries no floats at all.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    jsonschema.Draft202012Validator,
    validators={"pattern": _whole_string_pattern},
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@lru_cache(maxsize=None)
def _validator(version: str):
    schema = json.loads((Path(__file__).with_name(SCHEMA_FILES[version])).read_text("utf-8"))
    _Validator.check_schema(schema)
    return _Validator(inline_refs(schema, schema.get("$defs", {})), format_checker=_FORMATS)


def _json_path(parts: Iterable[object]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _last_field(parts: Sequence[object]) -> str:
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return "$"


def _rule(error: jsonschema.ValidationError) -> str:
    kind = error.validator
    value = error.validator_value
    if kind == "enum":
        return "enum: " + " | ".join(str(v) for v in value)
    if kind == "type":
        return "type: " + (" | ".join(value) if isinstance(value, list) else str(value))
    if kind in ("pattern", "format", "const", "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum"):
        return f"{kind}: {value}"
    return str(kind)


def _schema_problems(payload: Any, version: str) -> Iterator[Problem]:
    for error in _validator(version).iter_errors(payload):
        parts = list(error.absolute_path)
        path = _json_path(parts)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    yield Problem(MISSING_FIELD, f"{path}.{name}", {"path": path, "field": name})
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for name in error.instance:
                if name not in allowed:
                    yield Problem(UNEXPECTED_FIELD, f"{path}.{name}", {"path": path, "field": name})
            continue
        if error.validator == "minItems" and parts == ["inspectors"] and isinstance(error.instance, list):
            yield Problem(TOO_FEW_INSPECTORS, path, {"count": len(error.instance)})
            continue
        yield Problem(INVALID, path, {"path": path, "field": _last_field(parts), "rule": _rule(error)})


# ---------------------------------------------------------------------------------------------
# Rules beyond the schema (run on schema-valid payloads)
# ---------------------------------------------------------------------------------------------
def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dups: list[Any] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups


def _rule_problems(p: Mapping[str, Any]) -> Iterator[Problem]:
    inspectors = p["inspectors"]
    if len(inspectors) < 2:  # the schema says so too; kept for payloads of future versions
        yield Problem(TOO_FEW_INSPECTORS, "$.inspectors", {"count": len(inspectors)})
    for cert in _duplicates(i["cert"] for i in inspectors):
        yield Problem(DUPLICATE_INSPECTOR, cert, {"cert": cert})
    by_key: dict[str, str] = {}
    for inspector in inspectors:
        other = by_key.setdefault(inspector["public_key"], inspector["cert"])
        if other != inspector["cert"]:
            yield Problem(DUPLICATE_KEY, inspector["cert"], {"cert": inspector["cert"], "other": other})

    started = _dt.datetime.fromisoformat(p["started_at"].replace("Z", "+00:00"))
    ended = _dt.datetime.fromisoformat(p["ended_at"].replace("Z", "+00:00"))
    if ended < started:
        yield Problem(TIMES_OUT_OF_ORDER, "$.ended_at", {"started_at": p["started_at"], "ended_at": p["ended_at"]})

    catalogues = {(c["id"], c["version"]) for c in p["catalogues"]}
    for dup in _duplicates((c["id"], c["version"]) for c in p["catalogues"]):
        yield Problem(DUPLICATE_ID, "$.catalogues", {"path": "$.catalogues", "id": f"{dup[0]}@{dup[1]}"})
    for dup in _duplicates(i["item"] for i in p["items"]):
        yield Problem(DUPLICATE_ID, "$.items", {"path": "$.items[].item", "id": dup})
    for dup in _duplicates(f["id"] for f in p["findings"]):
        yield Problem(DUPLICATE_ID, "$.findings", {"path": "$.findings[].id", "id": dup})
    for dup in _duplicates(e["sha256"] for e in p["evidence"]):
        yield Problem(DUPLICATE_ID, "$.evidence", {"path": "$.evidence[].sha256", "id": dup})

    items = {}
    for n, item in enumerate(p["items"]):
        items.setdefault(item["item"], item)
        if (item["catalogue"], item["version"]) not in catalogues:
            yield Problem(UNKNOWN_CATALOGUE, f"$.items[{n}]",
                          {"item": item["item"], "catalogue": item["catalogue"], "version": item["version"]})

    evidence = {e["sha256"] for e in p["evidence"]}
    inspection_date = started.date().isoformat()
    for n, finding in enumerate(p["findings"]):
        fid = finding["id"]
        item = items.get(finding["item"])
        if item is None:
            yield Problem(FINDING_ITEM_UNKNOWN, f"$.findings[{n}]", {"finding": fid, "item": finding["item"]})
        elif item["result"] != "violation":
            yield Problem(FINDING_ITEM_NOT_VIOLATION, f"$.findings[{n}]",
                          {"finding": fid, "item": finding["item"], "result": item["result"]})
        for sha in finding["evidence"]:
            if sha not in evidence:
                yield Problem(FINDING_EVIDENCE_UNKNOWN, f"$.findings[{n}]", {"finding": fid, "sha256": sha})
        if finding["deadline"] is not None and finding["deadline"] < inspection_date:
            yield Problem(DEADLINE_BEFORE_INSPECTION, f"$.findings[{n}]",
                          {"finding": fid, "deadline": finding["deadline"], "date": inspection_date})

    for n, item in enumerate(p["evidence"]):
        gps = item["gps"]
        if gps is None:
            continue
        for name, limit in (("lat", 90), ("lon", 180)):
            if abs(Decimal(gps[name])) > limit:
                yield Problem(BAD_COORDINATE, f"$.evidence[{n}].gps.{name}",
                              {"sha256": item["sha256"], "field": name, "value": gps[name]})

    if p["quiz"] is not None:
        for person in p["quiz"]["persons"]:
            if person["correct"] > person["questions"]:
                yield Problem(QUIZ_SCORE, "$.quiz", dict(person))

    if p["audit_head"]["device"] != p["device_id"]:
        yield Problem(AUDIT_DEVICE, "$.audit_head.device",
                      {"audit_device": p["audit_head"]["device"], "device": p["device_id"]})


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def record_problems(payload: Any) -> list[Problem]:
    """Everything wrong with ``payload`` under the schema version it names (empty list = valid)."""
    if not isinstance(payload, dict):
        return [Problem(INVALID, "$", {"path": "$", "field": "$", "rule": "type: object"})]
    version = payload.get("schema")
    if not isinstance(version, str) or version not in SCHEMA_FILES:
        return [Problem(UNKNOWN_SCHEMA, "$.schema", {"schema": version, "known": ", ".join(_known_versions())})]
    problems = list(_schema_problems(payload, version))
    if not problems:
        problems = list(_rule_problems(payload))
    return problems


def validate_record(payload: Any) -> None:
    """Raise ``InspectorError`` for the first thing wrong with ``payload``; return None if valid."""
    problems = record_problems(payload)
    if problems:
        raise problems[0].error()


def _known_old_schema(version: object) -> bool:
    return isinstance(version, str) and version in SCHEMA_FILES and version != CURRENT_SCHEMA


def record_bytes(payload: Mapping[str, Any]) -> bytes:
    """Validate a current-schema payload and return its canonical (signed) bytes."""
    if isinstance(payload, Mapping) and _known_old_schema(payload.get("schema")):
        raise InspectorError(OLD_SCHEMA, schema=payload.get("schema"), current=CURRENT_SCHEMA)
    validate_record(payload)
    return canonical_bytes(payload)


def record_hash(data: bytes) -> str:
    """The record's id: lower-case hex sha256 of its canonical bytes."""
    return hashlib.sha256(data).hexdigest()


def parse_record(data: bytes) -> dict:
    """Parse record bytes strictly; raise ``InspectorError`` unless they are a canonical JSON object."""
    try:
        payload = loads_strict(data)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InspectorError(UNREADABLE, reason=str(exc)) from None
    if not isinstance(payload, dict):
        raise InspectorError(UNREADABLE, reason="not an object")
    if not is_canonical(data):
        raise InspectorError(NOT_CANONICAL)
    return payload


def sign_record(data: bytes, signers: Sequence[tuple[str, bytes]]) -> list[dict[str, str]]:
    """Each inspector's Ed25519 signature over the exact record bytes, in the record's inspector order.

    ``signers`` is ``[(cert, private_raw), …]`` and must name exactly the record's inspectors (at
    least two), each with the private key of the public key the record lists for them.
    """
    payload = parse_record(data)
    if _known_old_schema(payload.get("schema")):
        raise InspectorError(OLD_SCHEMA, schema=payload.get("schema"), current=CURRENT_SCHEMA)
    validate_record(payload)
    inspectors = payload["inspectors"]
    certs = [cert for cert, _ in signers]
    for cert in _duplicates(certs):
        raise InspectorError(DUPLICATE_SIGNER, cert=cert)
    expected = [i["cert"] for i in inspectors]
    missing = [c for c in expected if c not in certs]
    extra = [c for c in certs if c not in expected]
    if missing or extra:
        raise InspectorError(SIGNERS_MISMATCH, missing=", ".join(missing) or "-", extra=", ".join(extra) or "-")
    if len(certs) < 2:
        raise InspectorError(TOO_FEW_INSPECTORS, count=len(certs))
    keys = dict(signers)
    result = []
    for inspector in inspectors:
        cert = inspector["cert"]
        private_raw = keys[cert]
        if signing.b64(signing.public_key_of(private_raw)) != inspector["public_key"]:
            raise InspectorError(SIGNER_KEY_MISMATCH, cert=cert)
        result.append({"cert": cert, "signature": signing.b64(signing.sign(private_raw, data))})
    return result


def _inspectors_of(payload: Any) -> list[dict[str, str]]:
    """Best-effort list of {name, cert, public_key} strings, even from a schema-invalid payload."""
    found = []
    raw = payload.get("inspectors") if isinstance(payload, dict) else None
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("cert"), str):
            found.append({
                "cert": entry["cert"],
                "name": entry["name"] if isinstance(entry.get("name"), str) else "?",
                "public_key": entry["public_key"] if isinstance(entry.get("public_key"), str) else "",
            })
    return found


def signature_report(data: bytes, signatures: Any, public_keys: Any) -> tuple[list[Problem], list[dict[str, str]]]:
    """``check_signatures`` plus the inspectors whose signatures verified (name, cert, public_key)."""
    try:
        payload = loads_strict(data)
    except (ValueError, TypeError, RecursionError) as exc:
        return [Problem(UNREADABLE, "record", {"reason": str(exc)})], []
    inspectors = _inspectors_of(payload)
    by_cert: dict[str, dict[str, str]] = {}
    for inspector in inspectors:
        by_cert.setdefault(inspector["cert"], inspector)
    problems: list[Problem] = []

    # The public-key table (certificate -> base64 raw key) must name exactly the record's inspectors.
    if not isinstance(public_keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in public_keys.items()):
        problems.append(Problem(SIG_KEYS_MALFORMED, "public_keys"))
        public_keys = {}
    for cert, inspector in by_cert.items():
        if cert not in public_keys:
            problems.append(Problem(SIG_KEY_MISSING, cert, {"cert": cert, "name": inspector["name"]}))
        elif public_keys[cert] != inspector["public_key"]:
            problems.append(Problem(SIG_KEY_MISMATCH, cert, {"cert": cert, "name": inspector["name"]}))
    for cert in public_keys:
        if cert not in by_cert:
            problems.append(Problem(SIG_EXTRA_KEY, cert, {"cert": cert}))

    # Signatures: one well-formed entry per inspector, each valid under the key the record lists.
    if not isinstance(signatures, list):
        problems.append(Problem(SIG_MALFORMED, "signatures", {"index": "-"}))
        signatures = []
    signed: dict[str, bytes] = {}
    for index, entry in enumerate(signatures):
        if not (isinstance(entry, dict) and set(entry) == {"cert", "signature"}
                and isinstance(entry["cert"], str) and isinstance(entry["signature"], str)):
            problems.append(Problem(SIG_MALFORMED, f"signatures[{index}]", {"index": index}))
            continue
        cert = entry["cert"]
        try:
            raw = signing.unb64(entry["signature"])
        except ValueError:
            raw = b""
        if len(raw) != signing.SIGNATURE_SIZE:
            problems.append(Problem(SIG_MALFORMED, cert, {"index": index}))
            continue
        if cert in signed:
            problems.append(Problem(SIG_DUPLICATE, cert, {"cert": cert}))
            continue
        signed[cert] = raw
        if cert not in by_cert:
            problems.append(Problem(SIG_UNKNOWN_KEY, cert, {"cert": cert}))

    verified: list[dict[str, str]] = []
    for cert, inspector in by_cert.items():
        if cert not in signed:
            problems.append(Problem(SIG_MISSING, cert, {"cert": cert, "name": inspector["name"]}))
            continue
        try:
            key = signing.unb64(inspector["public_key"])
        except ValueError:
            key = b""
        if signing.verify(key, signed[cert], data):
            verified.append(inspector)
        else:
            problems.append(Problem(SIG_INVALID, cert, {"cert": cert, "name": inspector["name"]}))
    return problems, verified


def check_signatures(data: bytes, signatures: Any, public_keys: Any) -> list[Problem]:
    """Everything wrong with the signatures of record ``data`` (empty list = all good).

    The rules: every inspector the record lists has exactly one signature, valid under the public
    key the record itself lists for them; no signature or public key belongs to anyone else
    ("unknown key"); the ``public_keys`` table (cert -> base64 raw key) agrees with the record.
    """
    return signature_report(data, signatures, public_keys)[0]


# ---------------------------------------------------------------------------------------------
# A complete example payload: for the docs, the demo, tests and benchmarks
# ---------------------------------------------------------------------------------------------
EXAMPLE_ENTERPRISE_CODE = "91350100M000100Y43"


def example_payload(
    inspectors: Sequence[Mapping[str, str]],
    *,
    evidence: Sequence[tuple[str, int]] = (),
    findings: int = 1,
    amends: Mapping[str, str] | None = None,
    inspection_id: str = "0b9f6c1e-4a57-4d2a-9a53-2f1c0c7d1e01",
    device_id: str = "laptop-01",
    place: str = "甲类仓库及装卸区",
) -> dict:
    """A valid ``inspector.record/1`` payload: ``inspectors`` are {name, cert, public_key} dicts,
    ``evidence`` (sha256 hex, size) pairs; ``findings`` violated items, citing the evidence round-robin."""
    count = max(findings, 1)
    items = []
    for n in range(count + 1):
        violated = n < findings
        items.append({
            "catalogue": "key-items-2025", "version": "2025.1", "item": f"KI-{n + 1:03d}", "seq": n + 1,
            "section": "一、安全管理", "matter": f"检查事项 {n + 1}", "content": f"检查内容 {n + 1}",
            "check_basis": ["《危险化学品安全管理条例》第二十条"],
            "enforcement_basis": ["《中华人民共和国安全生产法》第一百零二条"],
            "major_hazard": n == 0,
            "result": "violation" if violated else "compliant",
        })
    shas = [sha for sha, _ in evidence]
    per = max(1, -(-len(shas) // max(findings, 1))) if shas else 0
    finding_list = []
    for n in range(findings):
        finding_list.append({
            "id": f"F{n + 1}", "item": f"KI-{n + 1:03d}", "description": f"问题描述 {n + 1}：安全阀未正常投用",
            "location": "1号罐区", "grade": "major" if n == 0 else "general",
            "deadline": None if n == 0 else "2025-07-15", "repeat_offence": False, "self_reported": False,
            "evidence": shas[n * per:(n + 1) * per],
        })
    evidence_list = [{
        "sha256": sha, "media_type": "image/jpeg", "size": size,
        "captured_at": "2025-06-30T09:41:07+08:00", "file_time": None,
        "gps": {"lat": "26.074478", "lon": "119.296482"},
        "captured_by": inspectors[0]["cert"], "original_name": f"IMG_{n:04d}.jpg",
    } for n, (sha, size) in enumerate(evidence)]
    return {
        "schema": CURRENT_SCHEMA,
        "kind": "inspection",
        "inspection_id": inspection_id,
        "device_id": device_id,
        "created_at": "2025-06-30T11:02:00+08:00",
        "started_at": "2025-06-30T09:30:00+08:00",
        "ended_at": "2025-06-30T11:00:00+08:00",
        "place": place,
        "enterprise": {
            "code": EXAMPLE_ENTERPRISE_CODE, "name": "示例化工有限公司", "address": "示例县工业园区1号",
            "kind": "production", "industry": "基础化学原料制造", "township": "示例镇",
            "legal_representative": "张三", "contact_name": "李四", "contact_phone": "0591-00000000",
            "major_hazard_sources": [{"name": "液氯储罐区", "grade": "二级"}],
            "key_processes": ["氯化工艺"], "key_chemicals": ["氯", "液氨"],
        },
        "inspectors": [dict(i) for i in inspectors],
        "catalogues": [{"id": "key-items-2025", "version": "2025.1", "title": "2025年执法检查重点事项指导目录"}],
        "items": items,
        "findings": finding_list,
        "evidence": evidence_list,
        "quiz": None,
        "amends": dict(amends) if amends is not None else None,
        "audit_head": {"device": device_id, "seq": 42, "hash": "ab" * 32},
    }
