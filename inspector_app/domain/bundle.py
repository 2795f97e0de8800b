"""Signed bundles: one zip that lets anyone check a record and its evidence offline.

Layout (docs/bundle-format.md is the full contract)::

    bundle.json                       {"format": "inspector.bundle/1"}
    record.json                       the signed record: its exact RFC 8785 bytes
    signatures.json                   [{"cert": …, "signature": base64 Ed25519 over record.json}, …]
    public_keys.json                  {cert: base64 raw 32-byte Ed25519 public key} of record.json's inspectors
    evidence/<sha256>                 every original evidence file any record in the bundle cites
    amends/<hash>.json                each earlier record in the amendment chain: its exact bytes
    amends/<hash>.signatures.json     and its signatures

``write_bundle`` refuses to write a bundle that would not verify and writes atomically; evidence
is streamed (never held in memory) and stored uncompressed. ``verify_bundle`` needs no network and
no app data, reads the zip in place (nothing is extracted anywhere), defends against zip bombs and
hostile names, never raises, and returns a ``Verdict`` that names every check, passed or failed.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import os
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Collection, Iterable, Mapping, Sequence

from ..crypto import signing
from ..crypto.canonical import canonical_bytes, is_canonical, loads_strict
from .messages import InspectorError, define, render
from .record import (
    NOT_CANONICAL,
    SIG_EXTRA_KEY,
    SIG_KEY_MISMATCH,
    SIG_KEY_MISSING,
    UNREADABLE,
    Problem,
    parse_record,
    record_hash,
    record_problems,
    signature_report,
)

__all__ = [
    "FORMAT",
    "Limits",
    "Check",
    "Verdict",
    "write_bundle",
    "verify_bundle",
]

FORMAT = "inspector.bundle/1"
BUNDLE_JSON = "bundle.json"
RECORD_JSON = "record.json"
SIGNATURES_JSON = "signatures.json"
PUBLIC_KEYS_JSON = "public_keys.json"
FIXED_MEMBERS = (BUNDLE_JSON, RECORD_JSON, SIGNATURES_JSON, PUBLIC_KEYS_JSON)
EVIDENCE_PREFIX = "evidence/"
AMENDS_PREFIX = "amends/"

_EVIDENCE_NAME = re.compile(r"evidence/([0-9a-f]{64})")
_AMEND_NAME = re.compile(r"amends/([0-9a-f]{64})(\.json|\.signatures\.json)")
_CHUNK = 4 << 20  # evidence is read in 4 MiB blocks, straight into one reused buffer

# Local file header (APPNOTE.TXT 4.3.7): signature, version, flags, method, time, date, crc32,
# compressed size, uncompressed size, name length, extra length.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    """Bounds the verifier holds any bundle to (zip-bomb and resource defence)."""

    max_members: int = 100_000
    max_json_bytes: int = 32 << 20  # any JSON member, uncompressed
    max_ratio: int = 100  # uncompressed : compressed, for compressed members larger than ratio_floor
    ratio_floor: int = 1 << 20
    max_inflated_total: int = 4 << 30  # sum of the uncompressed sizes of all compressed members
    max_chain: int = 1000  # amendments


DEFAULT_LIMITS = Limits()

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------
NOT_FOUND = define("bundle.not_found", "找不到文件 {path}", "No such file: {path}")
NOT_ZIP = define(
    "bundle.not_zip",
    "这不是检查记录包：文件不是有效的 ZIP 格式（{reason}）",
    "Not a bundle: the file is not a valid zip ({reason})",
)
NOT_A_BUNDLE = define(
    "bundle.not_a_bundle",
    "这不是检查记录包：ZIP 中既没有 bundle.json 也没有 record.json",
    "Not a bundle: the zip has neither bundle.json nor record.json",
)
UNSUPPORTED_FORMAT = define(
    "bundle.unsupported_format",
    "记录包格式 {format} 是本程序不认识的版本（本程序支持 {supported}），请使用更新的程序核验",
    "Bundle format {format} is a version this program does not know (it supports {supported}); verify with a newer program",
)
BAD_MANIFEST = define(
    "bundle.bad_manifest",
    "bundle.json 应为 {{\"format\": \"{supported}\"}}",
    'bundle.json should be {{"format": "{supported}"}}',
)
TOO_MANY_MEMBERS = define(
    "bundle.too_many_members",
    "ZIP 中有 {count} 个成员，超过上限 {limit}，拒绝处理",
    "The zip has {count} members, more than the limit of {limit}; refused",
)
UNSAFE_NAME = define(
    "bundle.unsafe_name",
    "ZIP 成员名 {name} 不安全（路径穿越、绝对路径、反斜杠或控制字符），未读取",
    "Zip member name {name} is unsafe (path traversal, absolute path, backslash or control character); not read",
)
DUPLICATE_MEMBER = define(
    "bundle.duplicate_member",
    "ZIP 中有 {count} 个同名成员 {name}，无法确定哪一个是真的",
    "The zip holds {count} members named {name}; which one is real cannot be told",
)
ENCRYPTED_MEMBER = define(
    "bundle.encrypted_member",
    "ZIP 成员 {name} 被加密，记录包不应加密",
    "Zip member {name} is encrypted; bundles are never encrypted",
)
UNSUPPORTED_COMPRESSION = define(
    "bundle.unsupported_compression",
    "ZIP 成员 {name} 使用了不支持的压缩方法 {method}（只接受 0 存储、8 deflate）",
    "Zip member {name} uses compression method {method}; only 0 (stored) and 8 (deflate) are accepted",
)
SIZE_MISMATCH = define(
    "bundle.size_mismatch",
    "ZIP 成员 {name} 声明大小 {declared} 字节，实际存储 {stored} 字节",
    "Zip member {name} declares {declared} bytes but stores {stored}",
)
ZIP_BOMB_RATIO = define(
    "bundle.zip_bomb_ratio",
    "ZIP 成员 {name} 以 {compressed} 字节压缩了 {size} 字节（{ratio} 倍，上限 {limit} 倍）：疑似压缩炸弹，未解压",
    "Zip member {name} expands {compressed} bytes to {size} ({ratio}x, limit {limit}x): a likely zip bomb; not expanded",
)
ZIP_BOMB_TOTAL = define(
    "bundle.zip_bomb_total",
    "压缩成员解压后总计将超过 {limit} 字节（到 {name} 为止 {total} 字节）：疑似压缩炸弹，未解压",
    "Compressed members would expand to more than {limit} bytes ({total} up to {name}): a likely zip bomb; not expanded",
)
OVERLAPPING = define(
    "bundle.overlapping_members",
    "ZIP 成员 {name} 与 {other} 的数据重叠（压缩炸弹手法或文件损坏），未读取",
    "Zip members {name} and {other} overlap (a zip-bomb technique, or corruption); not read",
)
CORRUPT_MEMBER = define(
    "bundle.corrupt_member",
    "ZIP 成员 {name} 已损坏，无法读取（{reason}）",
    "Zip member {name} is damaged and cannot be read ({reason})",
)
MEMBER_TOO_LARGE = define(
    "bundle.member_too_large",
    "{name} 有 {size} 字节，超过上限 {limit} 字节，未读取",
    "{name} has {size} bytes, more than the limit of {limit}; not read",
)
BAD_JSON = define(
    "bundle.bad_json",
    "{name} 不是有效的 JSON（{reason}）",
    "{name} is not valid JSON ({reason})",
)
MISSING_FILE = define("bundle.missing_file", "缺少文件 {name}", "Missing file {name}")
EXTRA_FILE = define(
    "bundle.extra_file",
    "多出了不属于记录包的文件 {name}",
    "Extra file {name}, which does not belong in the bundle",
)
EVIDENCE_MISMATCH = define(
    "bundle.evidence_mismatch",
    "证据文件 {name} 的内容与其名称（sha256）不符，实际 sha256 为 {found}：证据被替换或损坏",
    "Evidence file {name} does not match its name (sha256); its sha256 is {found}: replaced or damaged",
)
EVIDENCE_SIZE = define(
    "bundle.evidence_size",
    "证据 {sha256} 在记录中为 {declared} 字节，文件实为 {actual} 字节",
    "Evidence {sha256} is {declared} bytes in the record but the file has {actual}",
)
AMENDMENT_MISSING = define(
    "bundle.amendment_missing",
    "记录 {by} 声明更正了记录 {hash}，但记录包中没有被更正的记录（更正链断开）",
    "Record {by} says it amends record {hash}, but the bundle does not hold that record (broken amendment chain)",
)
AMENDMENT_HASH = define(
    "bundle.amendment_hash_mismatch",
    "{name} 的 sha256 实为 {found}，与其名称不符：被更正的记录被替换或改动",
    "{name} has sha256 {found}, not the hash in its name: the amended record was replaced or changed",
)
AMENDMENT_CYCLE = define(
    "bundle.amendment_cycle",
    "更正链在记录 {hash} 处形成循环",
    "The amendment chain loops back at record {hash}",
)
AMENDMENT_TOO_LONG = define(
    "bundle.amendment_too_long",
    "更正链超过 {limit} 条记录，停止核验",
    "The amendment chain is longer than {limit} records; verification stopped",
)
KEY_NOT_TRUSTED = define(
    "bundle.key_not_trusted",
    "执法人员 {name}（证号 {cert}）的公钥（指纹 {fingerprint}）不在所提供的可信公钥中",
    "The public key of inspector {name} (certificate {cert}, fingerprint {fingerprint}) is not among the trusted keys given",
)
INTERNAL_ERROR = define(
    "bundle.internal_error",
    "核验程序内部出错，无法得出结论（{reason}）",
    "The verifier failed internally and reached no conclusion ({reason})",
)
# The writer's refusals.
EVIDENCE_UNAVAILABLE = define(
    "bundle.evidence_unavailable",
    "无法导出：没有提供证据 {sha256} 的原始文件",
    "Cannot export: the original of evidence {sha256} was not provided",
)
EVIDENCE_CORRUPT = define(
    "bundle.evidence_corrupt",
    "无法导出：证据 {sha256} 的原始文件已损坏（读到 {size} 字节，sha256 为 {found}）",
    "Cannot export: the original of evidence {sha256} is damaged (read {size} bytes with sha256 {found})",
)
AMENDMENT_NOT_GIVEN = define(
    "bundle.amendment_not_given",
    "无法导出：记录 {by} 更正了记录 {hash}，但没有提供该记录及其签名",
    "Cannot export: record {by} amends record {hash}, which was not provided with its signatures",
)
AMENDMENT_NOT_IN_CHAIN = define(
    "bundle.amendment_not_in_chain",
    "无法导出：提供的记录 {hash} 不在本记录的更正链上",
    "Cannot export: the record {hash} given is not in this record's amendment chain",
)
WRITE_FAILED = define(
    "bundle.write_failed",
    "无法写入记录包 {path}：{reason}",
    "Cannot write the bundle {path}: {reason}",
)
# Passed checks and the verdict.
OK_FORMAT = define("bundle.ok_format", "记录包格式 {format}", "Bundle format {format}")
OK_RECORD = define(
    "bundle.ok_record",
    "{name} 是规范 JSON（RFC 8785），符合 {schema}，sha256 {hash}",
    "{name} is canonical JSON (RFC 8785), valid {schema}, sha256 {hash}",
)
OK_SIGNATURE = define(
    "bundle.ok_signature",
    "执法人员 {name}（证号 {cert}，公钥指纹 {fingerprint}）对 {file} 的签名有效",
    "The signature of inspector {name} (certificate {cert}, key fingerprint {fingerprint}) on {file} is valid",
)
OK_EVIDENCE = define(
    "bundle.ok_evidence",
    "证据 {sha256}（{size} 字节）完整",
    "Evidence {sha256} ({size} bytes) is intact",
)
OK_AMENDMENT = define(
    "bundle.ok_amendment",
    "记录 {by} 更正的记录 {hash} 在包中，内容与签名完好",
    "Record {hash}, amended by {by}, is in the bundle with its content and signatures intact",
)
OK_FILES = define(
    "bundle.ok_files",
    "文件齐全，无多余文件（{count} 个）",
    "All files present, none extra ({count} files)",
)
VERDICT_GENUINE = define(
    "bundle.verdict_genuine",
    "核验结论：真实、完整。记录 {hash} 由 {signers} 签名，{evidence} 份证据与记录一致，更正链 {chain} 条。",
    "Verdict: GENUINE and complete. Record {hash} is signed by {signers}; {evidence} evidence files match "
    "the record; {chain} amended record(s) in the chain.",
)
VERDICT_NOT_GENUINE = define(
    "bundle.verdict_not_genuine",
    "核验结论：未通过。记录包被改动、不完整或不可信，共 {count} 项问题：",
    "Verdict: NOT GENUINE. The bundle was altered, is incomplete or cannot be trusted; {count} problem(s):",
)
VERDICT_NOT_BUNDLE = define(
    "bundle.verdict_not_bundle",
    "核验结论：无法核验，这不是检查记录包。",
    "Verdict: cannot verify; this is not an inspection bundle.",
)
EVIDENCE_SUMMARY = define(
    "bundle.evidence_summary",
    "{count} 份证据的 sha256 全部与名称及记录一致（共 {size} 字节）",
    "All {count} evidence files match their names and the record by sha256 ({size} bytes in all)",
)
PASSED_HEADER = define("bundle.passed_header", "通过的检查：", "Checks passed:")
RECORD_SUMMARY = define(
    "bundle.record_summary",
    "被检查单位：{enterprise}（统一社会信用代码 {code}）；检查时间 {started_at} 至 {ended_at}；地点：{place}",
    "Inspected: {enterprise} (unified social credit code {code}); from {started_at} to {ended_at}; at: {place}",
)
TRUST_NOTE = define(
    "bundle.trust_note",
    "注意：签名证明记录未被改动、由所列公钥签署。公钥是否属于所列执法人员，请将上面的公钥指纹与应急管理部门公布的执法人员公钥核对。",
    "Note: the signatures prove the record is unaltered and signed by the keys it lists. Whether those keys "
    "belong to the officers named, check the fingerprints above against the officers' keys the emergency "
    "management bureau publishes.",
)


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    ok: bool
    code: str
    zh: str
    en: str
    subject: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


def _check(ok: bool, code: str, subject: str = "", **params: Any) -> Check:
    return Check(ok, code, render(code, "zh", **params), render(code, "en", **params), subject, params)


@dataclass
class Verdict:
    genuine: bool
    is_bundle: bool
    checks: list[Check]
    record_hash: str | None = None
    source: str = ""
    record: dict | None = None  # the main record's payload, when it could be read
    chain: list[str] = field(default_factory=list)  # hashes of the amended records, newest first
    keys_pinned: bool = False  # the officers' keys were checked against trusted_keys

    @property
    def exit_code(self) -> int:
        """0 genuine, 1 not genuine, 2 not a bundle (DESIGN.md §4)."""
        if not self.is_bundle:
            return 2
        return 0 if self.genuine else 1

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def render(self, lang: str = "zh") -> str:
        """The verdict for a person: ``zh``, ``en``, or ``both`` (Chinese, then English)."""
        if lang == "both":
            return self.render("zh") + "\n\n" + self.render("en")
        lang = "en" if lang == "en" else "zh"
        lines = []
        if self.source:
            lines.append(f"{'记录包' if lang == 'zh' else 'Bundle'}: {self.source}")
        if not self.is_bundle:
            lines.append(render(VERDICT_NOT_BUNDLE, lang))
            lines += [f"  ✘ {c.text(lang)}" for c in self.problems]
            return "\n".join(lines)
        if self.genuine:
            names = [c.params["name"] for c in self.checks if c.code == OK_SIGNATURE and c.params.get("file") == RECORD_JSON]
            evidence = [c for c in self.checks if c.code == OK_EVIDENCE]
            lines.append(render(VERDICT_GENUINE, lang, hash=self.record_hash,
                                signers=("、" if lang == "zh" else ", ").join(names),
                                evidence=len(evidence), chain=len(self.chain)))
            if self.record:
                lines.append(render(RECORD_SUMMARY, lang, enterprise=self.record["enterprise"]["name"],
                                    code=self.record["enterprise"]["code"], started_at=self.record["started_at"],
                                    ended_at=self.record["ended_at"], place=self.record["place"]))
        else:
            lines.append(render(VERDICT_NOT_GENUINE, lang, count=len(self.problems)))
            for check in self.problems:
                subject = f"[{check.subject}] " if check.subject else ""
                lines.append(f"  ✘ {subject}{check.text(lang)}")
            if self.record_hash:
                lines.append(("记录哈希" if lang == "zh" else "Record hash") + f": {self.record_hash}")
            lines.append(render(PASSED_HEADER, lang))
        evidence_ok = [c for c in self.checks if c.ok and c.code == OK_EVIDENCE]
        for check in self.checks:
            if check.ok and check.code != OK_EVIDENCE:
                lines.append(f"  ✔ {check.text(lang)}")
        if evidence_ok:
            total = sum(int(c.params.get("size", 0)) for c in evidence_ok)
            lines.append("  ✔ " + render(EVIDENCE_SUMMARY, lang, count=len(evidence_ok), size=total))
        if self.genuine and not self.keys_pinned:
            lines.append(render(TRUST_NOTE, lang))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain data (for ``--json``)."""
        return {
            "genuine": self.genuine,
            "is_bundle": self.is_bundle,
            "exit_code": self.exit_code,
            "record_hash": self.record_hash,
            "amends_chain": list(self.chain),
            "keys_pinned": self.keys_pinned,
            "checks": [{"ok": c.ok, "code": c.code, "subject": c.subject, "zh": c.zh, "en": c.en} for c in self.checks],
        }


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _zip_time(payload: Mapping[str, Any]) -> tuple[int, int, int, int, int, int]:
    """The record's creation time as wall-clock fields, so the same inputs give the same zip bytes."""
    try:
        moment = _dt.datetime.fromisoformat(str(payload["created_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return (1980, 1, 1, 0, 0, 0)
    year = min(max(moment.year, 1980), 2107)
    return (year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _info(name: str, when: tuple[int, ...], method: int, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = method
    info.create_system = 3  # Unix, whatever platform writes it: identical bytes everywhere
    info.external_attr = 0o100644 << 16
    info.file_size = size
    return info


def _keys_of(payload: Mapping[str, Any]) -> dict[str, str]:
    return {i["cert"]: i["public_key"] for i in payload["inspectors"]}


def _signed_record(data: bytes, signatures: Any) -> dict:
    """Parse, validate and check the signatures of one record (by the keys it lists); raise the first problem."""
    payload = parse_record(data)
    problems = record_problems(payload)
    if problems:
        raise problems[0].error()
    problems, _ = signature_report(data, signatures, _keys_of(payload))
    if problems:
        raise problems[0].error()
    return payload


def _open_source(opener: Callable[[], BinaryIO]):
    source = opener()
    return source if hasattr(source, "__enter__") else contextlib.closing(source)


def write_bundle(
    out_path: str | os.PathLike,
    *,
    record: bytes,
    signatures: Sequence[Mapping[str, str]],
    public_keys: Mapping[str, str],
    evidence: Mapping[str, Callable[[], BinaryIO]],
    amends: Sequence[tuple[bytes, Sequence[Mapping[str, str]]]] = (),
) -> str:
    """Write the bundle of ``record`` to ``out_path`` atomically; return the record hash.

    ``evidence`` maps sha256 → a callable opening the original bytes (only the ones the records
    cite are opened, one at a time, streamed); ``amends`` holds ``(record_bytes, signatures)`` for
    every earlier record in the amendment chain. Refuses (``InspectorError``) anything that would
    not verify: invalid record, bad or missing signatures, a broken chain, missing or damaged evidence.
    """
    data = bytes(record)
    payload = _signed_record(data, list(signatures))
    main_hash = record_hash(data)
    main_keys = _keys_of(payload)
    for inspector in payload["inspectors"]:
        cert = inspector["cert"]
        if cert not in public_keys:
            raise InspectorError(SIG_KEY_MISSING, cert=cert, name=inspector["name"])
        if public_keys[cert] != main_keys[cert]:
            raise InspectorError(SIG_KEY_MISMATCH, cert=cert, name=inspector["name"])

    given = {record_hash(bytes(b)): (bytes(b), list(s)) for b, s in amends}
    chain: list[tuple[str, bytes, list]] = []
    needed: dict[str, int] = {e["sha256"]: e["size"] for e in payload["evidence"]}
    current, current_hash = payload, main_hash
    while current["amends"] is not None:
        target = current["amends"]["record"]
        if target not in given or any(h == target for h, _, _ in chain) or target == main_hash:
            raise InspectorError(AMENDMENT_NOT_GIVEN, exit_code=2, hash=target, by=current_hash)
        older_bytes, older_sigs = given[target]
        current = _signed_record(older_bytes, older_sigs)
        chain.append((target, older_bytes, older_sigs))
        for entry in current["evidence"]:
            needed.setdefault(entry["sha256"], entry["size"])
        current_hash = target
    for extra in set(given) - {h for h, _, _ in chain}:
        raise InspectorError(AMENDMENT_NOT_IN_CHAIN, exit_code=2, hash=extra)
    # Keys given for officers of earlier records only are accepted if they are those records' keys;
    # public_keys.json itself lists exactly the main record's officers.
    chain_keys = {(c, k) for _, b, _ in chain for c, k in _keys_of(loads_strict(b)).items()}
    for cert, key in public_keys.items():
        if cert not in main_keys and (cert, key) not in chain_keys:
            raise InspectorError(SIG_EXTRA_KEY, cert=cert)
    for sha in needed:
        if sha not in evidence:
            raise InspectorError(EVIDENCE_UNAVAILABLE, sha256=sha)

    out = Path(out_path)
    when = _zip_time(payload)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent or ".")
    try:
        with os.fdopen(fd, "w+b") as raw:
            with zipfile.ZipFile(raw, "w") as zf:
                json_members = [
                    (BUNDLE_JSON, canonical_bytes({"format": FORMAT})),
                    (RECORD_JSON, data),
                    (SIGNATURES_JSON, canonical_bytes([dict(s) for s in signatures])),
                    (PUBLIC_KEYS_JSON, canonical_bytes(main_keys)),
                ]
                for older_hash, older_bytes, older_sigs in chain:
                    json_members.append((f"{AMENDS_PREFIX}{older_hash}.json", older_bytes))
                    json_members.append((f"{AMENDS_PREFIX}{older_hash}.signatures.json",
                                         canonical_bytes([dict(s) for s in older_sigs])))
                for name, content in json_members:
                    zf.writestr(_info(name, when, zipfile.ZIP_DEFLATED, len(content)), content)
                buffer = bytearray(_CHUNK)
                view = memoryview(buffer)
                for sha in sorted(needed):
                    _copy_evidence(zf, sha, needed[sha], evidence[sha], when, view)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise InspectorError(WRITE_FAILED, path=str(out), reason=exc.strerror or str(exc)) from exc
        raise
    if os.name == "posix":
        dir_fd = os.open(out.parent or ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return main_hash


def _copy_evidence(zf: zipfile.ZipFile, sha: str, size: int, opener: Callable[[], BinaryIO],
                   when: tuple[int, ...], view: memoryview) -> None:
    # Stored, not deflated: photos and video are already compressed; storing keeps export and
    # verification at disk/sha256 speed and lets anyone read the member with any zip tool.
    digest = hashlib.sha256()
    copied = 0
    info = _info(EVIDENCE_PREFIX + sha, when, zipfile.ZIP_STORED, size)
    with _open_source(opener) as source, zf.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as sink:
        readinto = getattr(source, "readinto", None)
        while True:
            if readinto is not None:
                n = readinto(view)
                chunk = view[:n] if n else b""
            else:
                chunk = source.read(len(view))
                n = len(chunk)
            if not n:
                break
            copied += n
            if copied > size:
                break
            digest.update(chunk)
            sink.write(chunk)
    found = digest.hexdigest()
    if found != sha or copied != size:
        raise InspectorError(EVIDENCE_CORRUPT, sha256=sha, size=copied, found=found)


# ---------------------------------------------------------------------------------------------
# Verifying
# ---------------------------------------------------------------------------------------------
class _NotBundle(Exception):
    def __init__(self, check: Check):
        self.check = check


def verify_bundle(
    source: str | os.PathLike | BinaryIO,
    *,
    trusted_keys: Mapping[str, str | Collection[str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Verdict:
    """Check a bundle (a path, or a seekable binary file object) offline. Never raises.

    ``trusted_keys`` (cert → base64 key, or several) optionally pins the officers' keys, e.g. from
    the county's published list; without it the verdict says the record is intact and signed by the
    keys it names, whose fingerprints the report shows.
    """
    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    label = label if isinstance(label, str) else ""
    verifier = _Verifier(limits, trusted_keys)
    try:
        return verifier.run(source, label)
    except _NotBundle as exc:
        return Verdict(False, False, [exc.check], source=label)
    except Exception as exc:  # noqa: BLE001 - the verifier must answer, never crash
        checks = verifier.checks + [_check(False, INTERNAL_ERROR, "", reason=f"{type(exc).__name__}: {exc}")]
        return Verdict(False, True, checks, record_hash=verifier.record_hash, source=label)


@dataclass
class _Member:
    info: zipfile.ZipInfo
    data_start: int = 0
    data_end: int = 0
    usable: bool = True


class _Verifier:
    def __init__(self, limits: Limits, trusted_keys: Mapping[str, str | Collection[str]] | None):
        self.limits = limits
        self.trusted = trusted_keys
        self.checks: list[Check] = []
        self.record_hash: str | None = None
        self.reported_missing: set[str] = set()
        self.names: set[str] = set()

    # -- reporting ---------------------------------------------------------------------------
    def fail(self, code: str, subject: str = "", **params: Any) -> None:
        if code in (MISSING_FILE, AMENDMENT_MISSING):
            self.reported_missing.add(params.get("name", subject))
        self.checks.append(_check(False, code, subject, **params))

    def ok(self, code: str, subject: str = "", **params: Any) -> None:
        self.checks.append(_check(True, code, subject, **params))

    def problems(self, problems: Iterable[Problem], where: str) -> None:
        for p in problems:
            subject = f"{where}: {p.subject}" if p.subject and p.subject != where else where
            self.checks.append(Check(False, p.code, p.text("zh"), p.text("en"), subject))

    # -- the whole check -----------------------------------------------------------------------
    def run(self, source: Any, label: str) -> Verdict:
        if isinstance(source, (str, os.PathLike)):
            try:
                fp = open(source, "rb", buffering=0)
            except FileNotFoundError:
                raise _NotBundle(_check(False, NOT_FOUND, label, path=label)) from None
            except OSError as exc:
                raise _NotBundle(_check(False, NOT_ZIP, label, reason=exc.strerror or str(exc))) from None
            with fp:
                return self._run(fp, label)
        return self._run(source, label)

    def _run(self, fp: BinaryIO, label: str) -> Verdict:
        try:
            zf = zipfile.ZipFile(fp)
        except Exception as exc:  # noqa: BLE001 - anything zipfile cannot parse is "not a zip"
            raise _NotBundle(_check(False, NOT_ZIP, label, reason=f"{type(exc).__name__}: {exc}")) from None
        payload, chain = None, []
        with zf:
            self.zf, self.fp = zf, fp
            names = self.names = {info.filename for info in zf.infolist()}
            if BUNDLE_JSON not in names and RECORD_JSON not in names:
                raise _NotBundle(_check(False, NOT_A_BUNDLE, label))
            try:
                members = self._inventory(zf, fp)
                self.by_name = {m.info.filename: m for m in members if m.usable}
                payload, chain = self._check_contents(members)
            except _Stop:
                pass
        passed = {c.code for c in self.checks if c.ok}
        genuine = all(c.ok for c in self.checks) and {OK_FORMAT, OK_RECORD, OK_SIGNATURE, OK_FILES} <= passed
        return Verdict(genuine, True, self.checks, record_hash=self.record_hash, source=label,
                       record=payload, chain=chain, keys_pinned=self.trusted is not None)

    # -- the zip structure ---------------------------------------------------------------------
    def _inventory(self, zf: zipfile.ZipFile, fp: BinaryIO) -> list[_Member]:
        limits = self.limits
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            self.fail(TOO_MANY_MEMBERS, "", count=len(infos), limit=limits.max_members)
            raise _Stop
        members = [_Member(info) for info in infos]
        counts: dict[str, int] = {}
        for m in members:
            counts[m.info.filename] = counts.get(m.info.filename, 0) + 1
        for name, count in counts.items():
            if count > 1:
                self.fail(DUPLICATE_MEMBER, name, name=name, count=count)
        inflated = 0
        start_dir = getattr(zf, "start_dir", None)
        for m in members:
            info, name = m.info, m.info.filename
            if counts[name] > 1:
                m.usable = False
            elif not _safe_name(name):
                self.fail(UNSAFE_NAME, name, name=name)
                m.usable = False
            elif info.flag_bits & 0x1:
                self.fail(ENCRYPTED_MEMBER, name, name=name)
                m.usable = False
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                self.fail(UNSUPPORTED_COMPRESSION, name, name=name, method=info.compress_type)
                m.usable = False
            elif info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                self.fail(SIZE_MISMATCH, name, name=name, declared=info.file_size, stored=info.compress_size)
                m.usable = False
            elif info.compress_type == zipfile.ZIP_DEFLATED:
                if info.file_size > limits.ratio_floor and info.file_size > max(info.compress_size, 1) * limits.max_ratio:
                    self.fail(ZIP_BOMB_RATIO, name, name=name, size=info.file_size, compressed=info.compress_size,
                              ratio=info.file_size // max(info.compress_size, 1), limit=limits.max_ratio)
                    m.usable = False
                else:
                    inflated += info.file_size
                    if inflated > limits.max_inflated_total:
                        self.fail(ZIP_BOMB_TOTAL, name, name=name, total=inflated, limit=limits.max_inflated_total)
                        m.usable = False
            if m.usable:
                reason = self._locate(m, fp, start_dir)
                if reason:
                    self.fail(CORRUPT_MEMBER, name, name=name, reason=reason)
                    m.usable = False
        located = sorted((m for m in members if m.usable), key=lambda m: m.info.header_offset)
        for before, after in zip(located, located[1:]):
            if after.info.header_offset < before.data_end:
                self.fail(OVERLAPPING, after.info.filename, name=after.info.filename, other=before.info.filename)
                before.usable = after.usable = False
        return members

    def _locate(self, m: _Member, fp: BinaryIO, start_dir: int | None) -> str | None:
        """Find where the member's data lies, from its local header; None, or why that failed."""
        info = m.info
        if info.header_offset < 0:
            return "local header before the start of the file"
        fp.seek(info.header_offset)
        header = _read_exact(fp, _LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            return "local header beyond end of file"
        signature, _version, flags, method, _time, _date, crc, csize, usize, name_len, extra_len = _LOCAL_HEADER.unpack(header)
        if signature != _LOCAL_SIGNATURE:
            return "bad local header signature"
        # The local header must tell the same story as the central directory, or tools that read
        # one or the other would extract different bytes from the same archive.
        if method != info.compress_type or (flags & 0x1) != (info.flag_bits & 0x1):
            return "local header disagrees with the central directory (method or encryption)"
        if not flags & 0x8 and 0xFFFFFFFF not in (csize, usize) and (
                (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size)):
            return "local header disagrees with the central directory (sizes or CRC)"
        local_name = _read_exact(fp, name_len)
        central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "surrogateescape")
        if local_name != central_name:
            return "local header names a different file"
        m.data_start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        m.data_end = m.data_start + info.compress_size
        limit = start_dir if start_dir is not None else _file_size(fp)
        if m.data_end > limit:
            return "data runs past the end of the archive's members"
        return None

    # -- contents ------------------------------------------------------------------------------
    def _check_contents(self, members: list[_Member]) -> tuple[dict | None, list[str]]:
        names = self.names
        flagged = {m.info.filename for m in members if not m.usable}

        # bundle.json: the format version.
        manifest = self._read_json(BUNDLE_JSON)
        if manifest is not _ABSENT:
            fmt = manifest.get("format") if isinstance(manifest, dict) else None
            if fmt == FORMAT:
                self.ok(OK_FORMAT, BUNDLE_JSON, format=FORMAT)
            elif isinstance(fmt, str) and fmt.startswith("inspector.bundle/"):
                raise _NotBundle(_check(False, UNSUPPORTED_FORMAT, BUNDLE_JSON, format=fmt, supported=FORMAT))
            elif manifest is not _BAD:
                self.fail(BAD_MANIFEST, BUNDLE_JSON, supported=FORMAT)

        # record.json, its signatures, and the amendment chain below it.
        expected = set(FIXED_MEMBERS)
        evidence_sizes: dict[str, list[tuple[int, str]]] = {}
        payload, chain = None, []
        data = self._read_bytes(RECORD_JSON)
        if data is not None:
            self.record_hash = record_hash(data)
            payload = self._check_record(RECORD_JSON, data)
            signatures = self._read_json(SIGNATURES_JSON)
            public_keys = self._read_json(PUBLIC_KEYS_JSON)
            self._check_signatures(RECORD_JSON, data, signatures, public_keys)
            if payload is not None:
                self._collect_evidence(payload, RECORD_JSON, evidence_sizes)
                chain = self._check_chain(payload, expected, evidence_sizes)

        # Evidence: every file cited is present, every file present is cited, each hashes to its name.
        # Without a readable record nobody can say which evidence belongs: each file is still
        # checked against its own name.
        evidence_known = payload is not None
        expected.update(EVIDENCE_PREFIX + sha for sha in evidence_sizes)
        present = sorted(
            (m for m in self.by_name.values() if _EVIDENCE_NAME.fullmatch(m.info.filename)
             and (not evidence_known or m.info.filename in expected)),
            key=lambda m: m.info.header_offset)
        buffer = memoryview(bytearray(_CHUNK))
        for m in present:
            self._check_evidence(m, evidence_sizes.get(m.info.filename[len(EVIDENCE_PREFIX):], []), buffer)

        # The exact set of files.
        for name in sorted(expected - names - self.reported_missing):
            self.fail(MISSING_FILE, name, name=name)
        extra = False
        for name in sorted(names - expected):
            if not _safe_name(name) or (not evidence_known and _EVIDENCE_NAME.fullmatch(name)):
                continue  # reported as unsafe / checked against its own name above
            extra = True
            self.fail(EXTRA_FILE, name, name=name)
        if not extra and not flagged and expected <= names:
            self.ok(OK_FILES, "", count=len(names))
        return payload, chain

    def _check_record(self, name: str, data: bytes) -> dict | None:
        try:
            payload = loads_strict(data)
        except (ValueError, TypeError, RecursionError) as exc:
            self.fail(UNREADABLE, name, reason=str(exc))
            return None
        if not isinstance(payload, dict):
            self.fail(UNREADABLE, name, reason="not an object")
            return None
        canonical = is_canonical(data)
        if not canonical:
            self.fail(NOT_CANONICAL, name)
        problems = record_problems(payload)
        self.problems(problems, name)
        if canonical and not problems:
            self.ok(OK_RECORD, name, name=name, schema=payload["schema"], hash=record_hash(data))
        return payload if not problems else None

    def _check_signatures(self, name: str, data: bytes, signatures: Any, public_keys: Any) -> None:
        if signatures in (_ABSENT, _BAD):
            signatures = []
        if public_keys in (_ABSENT, _BAD):
            public_keys = {}
        problems, verified = signature_report(data, signatures, public_keys)
        where = SIGNATURES_JSON if name == RECORD_JSON else name.replace(".json", ".signatures.json")
        for p in problems:
            target = PUBLIC_KEYS_JSON if p.code.startswith("signature.public_key") or p.code == "signature.extra_public_key" else where
            self.checks.append(Check(False, p.code, p.text("zh"), p.text("en"), f"{target}: {p.subject}" if p.subject else target))
        for inspector in verified:
            try:
                fp = signing.fingerprint(signing.unb64(inspector["public_key"]))
            except ValueError:
                fp = "?"
            self.ok(OK_SIGNATURE, f"{name}: {inspector['cert']}", name=inspector["name"], cert=inspector["cert"],
                    fingerprint=fp, file=name)
            self._check_trust(name, inspector, fp)

    def _check_trust(self, name: str, inspector: Mapping[str, str], fp: str) -> None:
        if self.trusted is None:
            return
        allowed = self.trusted.get(inspector["cert"], ())
        allowed = {allowed} if isinstance(allowed, str) else set(allowed)
        if inspector["public_key"] not in allowed:
            self.fail(KEY_NOT_TRUSTED, f"{name}: {inspector['cert']}", name=inspector["name"],
                      cert=inspector["cert"], fingerprint=fp)

    def _collect_evidence(self, payload: Mapping[str, Any], name: str, sizes: dict[str, list[tuple[int, str]]]) -> None:
        for entry in payload["evidence"]:
            sizes.setdefault(entry["sha256"], []).append((entry["size"], name))

    def _check_chain(self, payload: dict, expected: set[str], evidence_sizes: dict) -> list[str]:
        chain: list[str] = []
        seen = {self.record_hash}
        current, by = payload, self.record_hash
        while current.get("amends") is not None:
            target = current["amends"]["record"]
            if target in seen:
                self.fail(AMENDMENT_CYCLE, target, hash=target)
                break
            if len(chain) >= self.limits.max_chain:
                self.fail(AMENDMENT_TOO_LONG, target, limit=self.limits.max_chain)
                break
            name = f"{AMENDS_PREFIX}{target}.json"
            sig_name = f"{AMENDS_PREFIX}{target}.signatures.json"
            expected.update((name, sig_name))
            if name not in self.names:
                self.fail(AMENDMENT_MISSING, name, name=name, hash=target, by=by)
                self.reported_missing.add(sig_name)
                break
            data = self._read_bytes(name)
            if data is None:
                break
            found = record_hash(data)
            if found != target:
                self.fail(AMENDMENT_HASH, name, name=name, found=found)
                break
            older = self._check_record(name, data)
            signatures = self._read_json(sig_name)
            keys = {i["cert"]: i["public_key"] for i in older["inspectors"]} if older is not None else {}
            self._check_signatures(name, data, signatures, keys)
            if older is None:
                break
            self.ok(OK_AMENDMENT, name, hash=target, by=by)
            self._collect_evidence(older, name, evidence_sizes)
            chain.append(target)
            seen.add(target)
            current, by = older, target
        return chain

    def _check_evidence(self, m: _Member, declared: list[tuple[int, str]], buffer: memoryview) -> None:
        name = m.info.filename
        sha = name[len(EVIDENCE_PREFIX):]
        try:
            found, size = self._hash_member(m, buffer)
        except _MemberError as exc:
            self.fail(CORRUPT_MEMBER, name, name=name, reason=str(exc))
            return
        if found != sha:
            self.fail(EVIDENCE_MISMATCH, name, name=name, found=found)
            return
        bad_size = False
        for want, where in declared:
            if want != size:
                bad_size = True
                self.fail(EVIDENCE_SIZE, f"{where}: {name}", sha256=sha, declared=want, actual=size)
        if not bad_size:
            self.ok(OK_EVIDENCE, name, sha256=sha, size=size)

    # -- reading members -----------------------------------------------------------------------
    def _hash_member(self, m: _Member, buffer: memoryview) -> tuple[str, int]:
        digest = hashlib.sha256()
        info = m.info
        if info.compress_type == zipfile.ZIP_STORED:
            # Straight from the archive file, big reads, no copy: sha256 is the integrity check
            # (zipfile's CRC-32 would add ~50 % to the time and prove less).
            fp = self.fp
            fp.seek(m.data_start)
            left = info.compress_size
            readinto = getattr(fp, "readinto", None)
            while left:
                want = min(left, len(buffer))
                if readinto is not None:
                    n = readinto(buffer[:want])
                    chunk = buffer[:n] if n else b""
                else:
                    chunk = fp.read(want)
                    n = len(chunk)
                if not n:
                    raise _MemberError("file ends inside the member")
                digest.update(chunk)
                left -= n
            return digest.hexdigest(), info.compress_size
        size = 0
        try:
            with self.zf.open(info) as stream:
                while True:
                    chunk = stream.read(len(buffer))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > info.file_size:
                        raise _MemberError("more data than declared")
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise _MemberError(f"{type(exc).__name__}: {exc}") from None
        if size != info.file_size:
            raise _MemberError(f"{size} bytes, {info.file_size} declared")
        return digest.hexdigest(), size

    def _read_bytes(self, name: str) -> bytes | None:
        """The member's bytes (capped), or None after reporting why not."""
        m = self.by_name.get(name)
        if m is None:
            if name not in self.names:
                self.fail(MISSING_FILE, name, name=name)
            return None  # present but unusable: reported when the zip was inventoried
        if m.info.file_size > self.limits.max_json_bytes:
            self.fail(MEMBER_TOO_LARGE, name, name=name, size=m.info.file_size, limit=self.limits.max_json_bytes)
            return None
        try:
            with self.zf.open(m.info) as stream:
                data = stream.read(self.limits.max_json_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            self.fail(CORRUPT_MEMBER, name, name=name, reason=f"{type(exc).__name__}: {exc}")
            return None
        if len(data) != m.info.file_size:
            self.fail(CORRUPT_MEMBER, name, name=name, reason=f"{len(data)} bytes, {m.info.file_size} declared")
            return None
        return data

    def _read_json(self, name: str) -> Any:
        data = self._read_bytes(name)
        if data is None:
            return _ABSENT
        try:
            return loads_strict(data)
        except (ValueError, TypeError, RecursionError) as exc:
            self.fail(BAD_JSON, name, name=name, reason=str(exc))
            return _BAD


class _Stop(Exception):
    pass


class _MemberError(Exception):
    pass


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_ABSENT = _Sentinel("ABSENT")
_BAD = _Sentinel("BAD")


def _read_exact(fp: BinaryIO, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = fp.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def _file_size(fp: BinaryIO) -> int:
    here = fp.tell()
    end = fp.seek(0, io.SEEK_END)
    fp.seek(here)
    return end


_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")


def _safe_name(name: str) -> bool:
    """A relative, forward-slash path of plain components: nothing an extractor could misplace."""
    if not name or "\\" in name or name.startswith("/") or _WINDOWS_DRIVE.match(name):
        return False
    if any(ord(c) < 0x20 or c == "\x7f" for c in name):
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts)
