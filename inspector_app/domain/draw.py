"""The reproducible random draw (双随机、一公开): enterprises and inspector teams for a period.

Pure Python (no Qt, no SQLAlchemy): the county server runs it, ``inspector draw verify`` re-runs it
offline, and docs/draw.md describes it exactly enough to re-implement in any language. Python's
``random`` module is never used: the randomness is an HMAC-SHA256 counter stream keyed by the
SHA-256 of the canonical (RFC 8785) inputs, so the seed — fixed in advance, e.g. a public lottery
number — and the published pools determine every choice.

A published draw (``inspector.draw/1``) is one JSON object::

    {"format": "inspector.draw/1", "inputs": {...}, "hashes": {...}, "result": {...}}

``publish(inputs)`` makes it; ``verify(published)`` re-computes the hashes and the result from the
inputs and names the first difference.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from ..crypto.canonical import canonical_bytes
from .messages import InspectorError, define

FORMAT = "inspector.draw/1"
STREAM_LABEL = b"inspector.draw/1"
MIN_TEAM = 2
MAX_POOL = 100_000

BAD_INPUT = define(
    "draw.bad_input",
    "抽查输入有误（{field}）：{reason}",
    "Invalid draw input ({field}): {reason}",
)
INFEASIBLE = define(
    "draw.infeasible",
    "无法为企业 {enterprise} 抽取 {team} 名执法人员：可选人员只有 {eligible} 名（已排除回避人员）",
    "Cannot draw {team} inspectors for enterprise {enterprise}: only {eligible} are eligible (after conflicts of interest)",
)
BAD_FILE = define(
    "draw.bad_file",
    "抽查公示文件无效：{reason}",
    "The published draw file is invalid: {reason}",
)
MISMATCH = define(
    "draw.mismatch",
    "抽查结果与公示不符：{path} 公示为 {published}，按公示输入重算为 {recomputed}",
    "The draw does not match what was published: {path} is {published} in the file, {recomputed} recomputed",
)

_RATE = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$")


def _bad(field: str, reason: str) -> InspectorError:
    return InspectorError(BAD_INPUT, exit_code=2, field=field, reason=reason)


# ------------------------------------------------------------------------------------------------
# The random stream
# ------------------------------------------------------------------------------------------------
class DrawStream:
    """Deterministic bytes: block i = HMAC-SHA256(key, b"inspector.draw/1" ‖ uint64_be(i)), i = 0, 1, …

    ``key`` is the SHA-256 of the canonical inputs. Integers are read 8 bytes at a time, big-endian,
    from the concatenated blocks; ``below(n)`` rejects values ≥ ⌊2⁶⁴ / n⌋·n (no modulo bias).
    """

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("the stream key is 32 bytes")
        self._key = key
        self._counter = 0
        self._buffer = b""
        self.consumed = 0  # 64-bit words read (for the docs' test vectors)

    def _block(self) -> bytes:
        block = hmac.new(self._key, STREAM_LABEL + self._counter.to_bytes(8, "big"), hashlib.sha256).digest()
        self._counter += 1
        return block

    def word(self) -> int:
        if len(self._buffer) < 8:
            self._buffer += self._block()
        value, self._buffer = int.from_bytes(self._buffer[:8], "big"), self._buffer[8:]
        self.consumed += 1
        return value

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n < 1:
            raise ValueError("n must be positive")
        limit = (2**64 // n) * n
        while True:
            x = self.word()
            if x < limit:
                return x % n

    def shuffle(self, items: list) -> list:
        """Fisher–Yates (Durstenfeld) in place: for i = len−1 … 1, swap items[i] and items[below(i + 1)]."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


# ------------------------------------------------------------------------------------------------
# Inputs: checked and put in canonical order
# ------------------------------------------------------------------------------------------------
def _text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _bad(field, "应为非空文本")
    return value.strip()


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(field, "应为 true 或 false")
    return value


def _int(value: Any, field: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _bad(field, f"应为 {low} 至 {high} 的整数")
    return value


def normalise_inputs(raw: Any) -> dict:
    """The inputs, checked, with every list in canonical order (enterprises by code, inspectors by
    certificate, previous teams by enterprise, conflicts by certificate then enterprise)."""
    if not isinstance(raw, Mapping):
        raise _bad("inputs", "应为 JSON 对象")
    known = {"title", "period", "seed", "enterprises", "inspectors", "previous", "conflicts", "team_size", "sample"}
    extra = sorted(set(raw) - known)
    if extra:
        raise _bad(extra[0], "未定义的字段")
    out: dict[str, Any] = {
        "title": _text(raw.get("title", ""), "title", allow_empty=True),
        "period": _text(raw.get("period"), "period"),
        "seed": _text(raw.get("seed"), "seed"),
    }
    enterprises = raw.get("enterprises")
    if not isinstance(enterprises, list) or len(enterprises) > MAX_POOL:
        raise _bad("enterprises", "应为企业列表")
    pool: dict[str, dict] = {}
    for n, e in enumerate(enterprises):
        where = f"enterprises[{n}]"
        if not isinstance(e, Mapping) or set(e) - {"code", "name", "township", "kind", "key"}:
            raise _bad(where, "应为 {code, name, township, kind, key}")
        code = _text(e.get("code"), where + ".code")
        if code in pool:
            raise _bad(where + ".code", f"企业 {code} 重复")
        pool[code] = {"code": code, "name": _text(e.get("name"), where + ".name"),
                      "township": _text(e.get("township", ""), where + ".township", allow_empty=True),
                      "kind": _text(e.get("kind", ""), where + ".kind", allow_empty=True),
                      "key": _bool(e.get("key", False), where + ".key")}
    out["enterprises"] = [pool[c] for c in sorted(pool)]

    inspectors = raw.get("inspectors")
    if not isinstance(inspectors, list) or len(inspectors) > MAX_POOL:
        raise _bad("inspectors", "应为执法人员列表")
    people: dict[str, dict] = {}
    for n, i in enumerate(inspectors):
        where = f"inspectors[{n}]"
        if not isinstance(i, Mapping) or set(i) - {"cert", "name"}:
            raise _bad(where, "应为 {cert, name}")
        cert = _text(i.get("cert"), where + ".cert")
        if cert in people:
            raise _bad(where + ".cert", f"执法证号 {cert} 重复")
        people[cert] = {"cert": cert, "name": _text(i.get("name"), where + ".name")}
    out["inspectors"] = [people[c] for c in sorted(people)]

    previous = raw.get("previous", [])
    if not isinstance(previous, list):
        raise _bad("previous", "应为上次抽查的检查组列表")
    teams: dict[str, list[str]] = {}
    for n, t in enumerate(previous):
        where = f"previous[{n}]"
        if not isinstance(t, Mapping) or set(t) != {"enterprise", "inspectors"} or not isinstance(t["inspectors"], list):
            raise _bad(where, "应为 {enterprise, inspectors: [证号…]}")
        code = _text(t["enterprise"], where + ".enterprise")
        if code in teams:
            raise _bad(where + ".enterprise", f"企业 {code} 重复")
        teams[code] = sorted({_text(c, where + ".inspectors") for c in t["inspectors"]})
    out["previous"] = [{"enterprise": c, "inspectors": teams[c]} for c in sorted(teams)]

    conflicts = raw.get("conflicts", [])
    if not isinstance(conflicts, list):
        raise _bad("conflicts", "应为回避关系列表")
    pairs = set()
    for n, c in enumerate(conflicts):
        where = f"conflicts[{n}]"
        if not isinstance(c, Mapping) or set(c) != {"cert", "enterprise"}:
            raise _bad(where, "应为 {cert, enterprise}")
        pairs.add((_text(c["cert"], where + ".cert"), _text(c["enterprise"], where + ".enterprise")))
    out["conflicts"] = [{"cert": a, "enterprise": b} for a, b in sorted(pairs)]

    out["team_size"] = _int(raw.get("team_size", MIN_TEAM), "team_size", MIN_TEAM, 10)
    sample = raw.get("sample")
    if not isinstance(sample, Mapping) or len(sample) != 1 or not set(sample) <= {"count", "rate"}:
        raise _bad("sample", '应为 {"count": 整数} 或 {"rate": "0.3"}')
    if "count" in sample:
        out["sample"] = {"count": _int(sample["count"], "sample.count", 0, MAX_POOL)}
    else:
        rate = sample["rate"]
        if not isinstance(rate, str) or not _RATE.match(rate):
            raise _bad("sample.rate", "应为 0 至 1 之间的小数文本，如 \"0.3\"")
        try:
            value = Decimal(rate)
        except InvalidOperation:
            raise _bad("sample.rate", "应为小数文本") from None
        if not Decimal(0) <= value <= Decimal(1):
            raise _bad("sample.rate", "应在 0 至 1 之间")
        out["sample"] = {"rate": rate}
    return out


def pool_hash(items: Sequence[Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of a (normalised) list."""
    return hashlib.sha256(canonical_bytes(list(items))).hexdigest()


def input_hashes(inputs: Mapping[str, Any]) -> dict[str, str]:
    """The hashes a county publishes before the seed is known, and the hash of all inputs."""
    return {
        "enterprises": pool_hash(inputs["enterprises"]),
        "inspectors": pool_hash(inputs["inspectors"]),
        "previous": pool_hash(inputs["previous"]),
        "conflicts": pool_hash(inputs["conflicts"]),
        "inputs": hashlib.sha256(canonical_bytes(dict(inputs))).hexdigest(),
    }


def sample_count(inputs: Mapping[str, Any], ordinary: int) -> int:
    sample = inputs["sample"]
    if "count" in sample:
        return min(sample["count"], ordinary)
    return min(ordinary, math.ceil(Fraction(sample["rate"]) * ordinary))


# ------------------------------------------------------------------------------------------------
# The draw
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Person:
    cert: str
    name: str


def run(raw_inputs: Any) -> dict:
    """The result of the draw for these inputs (normalised first); deterministic."""
    inputs = normalise_inputs(raw_inputs)
    stream = DrawStream(hashlib.sha256(canonical_bytes(inputs)).digest())
    key = [e for e in inputs["enterprises"] if e["key"]]
    ordinary = [e for e in inputs["enterprises"] if not e["key"]]
    m = sample_count(inputs, len(ordinary))
    sampled = stream.shuffle(list(ordinary))[:m]

    people = [_Person(i["cert"], i["name"]) for i in inputs["inspectors"]]
    conflicts = {(c["cert"], c["enterprise"]) for c in inputs["conflicts"]}
    previous = {t["enterprise"]: set(t["inspectors"]) for t in inputs["previous"]}
    load = {p.cert: 0 for p in people}
    size = inputs["team_size"]

    def team_for(enterprise: dict) -> dict:
        code = enterprise["code"]
        eligible = [p for p in people if (p.cert, code) not in conflicts]
        if len(eligible) < size:
            raise InspectorError(INFEASIBLE, exit_code=1, enterprise=f"{enterprise['name']}（{code}）", team=size,
                                 eligible=len(eligible))
        before = previous.get(code, set())
        stream.shuffle(eligible)
        eligible.sort(key=lambda p: (1 if p.cert in before else 0, load[p.cert]))  # stable: ties stay shuffled
        team = eligible[:size]
        for p in team:
            load[p.cert] += 1
        return {"enterprise": code, "name": enterprise["name"], "township": enterprise["township"],
                "inspectors": [p.cert for p in team], "inspector_names": [p.name for p in team],
                "repeated": [p.cert for p in team if p.cert in before]}

    key_teams = [team_for(e) for e in key]
    sampled_teams = [team_for(e) for e in sampled]
    return {
        "key": key_teams,
        "sampled": sampled_teams,
        "counts": {"enterprises": len(inputs["enterprises"]), "key": len(key), "ordinary": len(ordinary),
                   "sampled": len(sampled), "inspectors": len(people)},
        "stream_words": stream.consumed,
    }


def publish(raw_inputs: Any) -> dict:
    """The file a county publishes: inputs (normalised), their hashes, and the result."""
    inputs = normalise_inputs(raw_inputs)
    return {"format": FORMAT, "inputs": inputs, "hashes": input_hashes(inputs), "result": run(inputs)}


def commitment(raw_inputs_without_seed: Mapping[str, Any]) -> dict:
    """What is published before the seed is known: the pools' hashes (seed excluded)."""
    inputs = normalise_inputs(dict(raw_inputs_without_seed, seed="-"))
    hashes = input_hashes(inputs)
    hashes.pop("inputs")
    return hashes


def _short(value: Any) -> str:
    text = canonical_bytes(value).decode("utf-8") if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "…"


def first_difference(published: Any, recomputed: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first place (JSON path) where two JSON values differ, depth first, in key/index order."""
    if isinstance(published, Mapping) and isinstance(recomputed, Mapping):
        for k in sorted(set(published) | set(recomputed)):
            sub = f"{path}.{k}" if path else str(k)
            if k not in published:
                return sub, "(缺少)", recomputed[k]
            if k not in recomputed:
                return sub, published[k], "(多余)"
            found = first_difference(published[k], recomputed[k], sub)
            if found:
                return found
        return None
    if isinstance(published, list) and isinstance(recomputed, list):
        for n, (a, b) in enumerate(zip(published, recomputed)):
            found = first_difference(a, b, f"{path}[{n}]")
            if found:
                return found
        if len(published) != len(recomputed):
            return f"{path}.length", len(published), len(recomputed)
        return None
    if type(published) is not type(recomputed) or published != recomputed:
        return path or "$", published, recomputed
    return None


def verify(published: Any) -> dict:
    """Re-compute a published draw. ``{"ok": bool, "difference": {path, published, recomputed} | None,
    "message": InspectorError | None, "hashes": …}``. Inputs are taken as published (not re-sorted):
    a file whose inputs are not in canonical order does not match."""
    if not isinstance(published, Mapping):
        raise InspectorError(BAD_FILE, exit_code=1, reason="不是 JSON 对象")
    if published.get("format") != FORMAT:
        raise InspectorError(BAD_FILE, exit_code=1, reason=f"format 应为 {FORMAT}")
    for part in ("inputs", "hashes", "result"):
        if part not in published:
            raise InspectorError(BAD_FILE, exit_code=1, reason=f"缺少 {part}")
    try:
        inputs = normalise_inputs(published["inputs"])
    except InspectorError as exc:
        raise InspectorError(BAD_FILE, exit_code=1, reason=exc.text("zh")) from None
    expected = {"format": FORMAT, "inputs": inputs, "hashes": input_hashes(inputs)}
    try:
        expected["result"] = run(inputs)
    except InspectorError as exc:
        expected["result"] = {"error": exc.text("zh")}
    got = {k: published[k] for k in ("format", "inputs", "hashes", "result")}
    # Hashes first: they are what was published in advance.
    for part in ("hashes", "inputs", "result", "format"):
        diff = first_difference(got[part], expected[part], part)
        if diff:
            path, a, b = diff
            error = InspectorError(MISMATCH, exit_code=1, path=path, published=_short(a), recomputed=_short(b))
            return {"ok": False, "difference": {"path": path, "published": a, "recomputed": b}, "error": error,
                    "hashes": expected["hashes"]}
    extra = sorted(set(published) - {"format", "inputs", "hashes", "result"})
    if extra:
        error = InspectorError(MISMATCH, exit_code=1, path=extra[0], published="(存在)", recomputed="(无此字段)")
        return {"ok": False, "difference": {"path": extra[0], "published": published[extra[0]], "recomputed": None},
                "error": error, "hashes": expected["hashes"]}
    return {"ok": True, "difference": None, "error": None, "hashes": expected["hashes"]}


def teams(published: Mapping[str, Any]) -> list[dict]:
    """The result's teams as ``previous`` input for the next draw."""
    result = published["result"]
    return [{"enterprise": t["enterprise"], "inspectors": sorted(t["inspectors"])}
            for t in list(result["key"]) + list(result["sampled"])]


def iter_assignments(published: Mapping[str, Any]) -> Iterator[tuple[str, dict]]:
    for kind in ("key", "sampled"):
        for team in published["result"][kind]:
            yield kind, team
