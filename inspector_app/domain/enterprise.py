"""Enterprises (一企一档): the profile an inspection is planned from.

The unified social credit code is checked by its GB 32100-2015 check digit; the kinds are the ones
the catalogues' applicability refers to.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .messages import InspectorError, define

# Enterprise kinds, keyed by the stable ids catalogues use in their `kinds` lists.
KINDS: dict[str, str] = {
    "production": "危险化学品生产",
    "import": "危险化学品进口",
    "storage": "危险化学品储存",
    "use": "危险化学品使用",
    "trading-storage": "危险化学品经营（带储存）",
    "trading": "危险化学品经营（不带储存）",
    "gas-filling": "气体充装",
    "chemical": "化工",
    "pharmaceutical": "医药",
}
KIND_ALL = "*"

MAJOR_HAZARD_GRADES = ("一级", "二级", "三级", "四级")

BAD_CODE = define(
    "enterprise.bad_code",
    "统一社会信用代码 {code} 无效：{reason}",
    "Unified social credit code {code} is invalid: {reason}",
)
BAD_KIND = define(
    "enterprise.bad_kind",
    "企业类型 {kind} 未知，可选：{choices}",
    "Unknown enterprise kind {kind}; choose from: {choices}",
)

# GB 32100-2015: 18 characters over this 31-character alphabet (no I, O, Z, S, V).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the code normalised (upper case, stripped) or raise naming what is wrong."""
    normal = code.strip().upper()
    if len(normal) != 18:
        raise InspectorError(BAD_CODE, exit_code=2, code=code, reason=f"应为18位，实为{len(normal)}位")
    bad = [c for c in normal if c not in _USCC_ALPHABET]
    if bad:
        raise InspectorError(BAD_CODE, exit_code=2, code=code, reason=f"含非法字符 {''.join(bad)}")
    expected = uscc_check_char(normal[:17])
    if normal[17] != expected:
        raise InspectorError(BAD_CODE, exit_code=2, code=code, reason=f"校验码应为 {expected}")
    return normal


def validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InspectorError(BAD_KIND, exit_code=2, kind=kind, choices=", ".join(KINDS))
    return kind


@dataclass(frozen=True)
class MajorHazardSource:
    name: str
    grade: str  # one of MAJOR_HAZARD_GRADES


@dataclass(frozen=True)
class EnterpriseProfile:
    """What selection needs to know about an enterprise."""

    kind: str
    industry: str = ""
    major_hazard_sources: tuple[MajorHazardSource, ...] = ()
    key_processes: tuple[str, ...] = ()  # 重点监管危险化工工艺
    key_chemicals: tuple[str, ...] = ()  # 重点监管危险化学品

    @property
    def is_key(self) -> bool:
        """“两重点一重大”: key supervised processes, key supervised chemicals, or a major hazard source."""
        return bool(self.major_hazard_sources or self.key_processes or self.key_chemicals)


@dataclass
class Enterprise:
    code: str
    name: str
    address: str
    kind: str
    industry: str = ""
    township: str = ""
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    licences: list[dict] = field(default_factory=list)  # {"kind", "number", "valid_until"}
    major_hazard_sources: list[MajorHazardSource] = field(default_factory=list)
    key_processes: list[str] = field(default_factory=list)
    key_chemicals: list[str] = field(default_factory=list)

    def profile(self) -> EnterpriseProfile:
        return EnterpriseProfile(
            kind=self.kind,
            industry=self.industry,
            major_hazard_sources=tuple(self.major_hazard_sources),
            key_processes=tuple(self.key_processes),
            key_chemicals=tuple(self.key_chemicals),
        )
