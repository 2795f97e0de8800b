"""Names of the domain's values (results, grades, enterprise kinds) in the UI's languages.
The domain keeps the stable ids; the Chinese here is the domain's own wording."""
from __future__ import annotations

from .i18n import define, tr

RESULTS = {
    "compliant": define("ui.result.compliant", "符合", "Compliant"),
    "violation": define("ui.result.violation", "不符合", "Violation"),
    "not-applicable": define("ui.result.not_applicable", "不适用", "Not applicable"),
    "not-checked": define("ui.result.not_checked", "未检查", "Not checked"),
}
GRADES = {
    "general": define("ui.grade.general", "一般事故隐患", "General hazard"),
    "major": define("ui.grade.major", "重大事故隐患", "Major accident hazard"),
}
ENTERPRISE_KINDS = {
    "production": define("ui.ekind.production", "危险化学品生产", "Hazardous chemical production"),
    "import": define("ui.ekind.import", "危险化学品进口", "Hazardous chemical import"),
    "storage": define("ui.ekind.storage", "危险化学品储存", "Hazardous chemical storage"),
    "use": define("ui.ekind.use", "危险化学品使用", "Hazardous chemical use"),
    "trading-storage": define("ui.ekind.trading_storage", "危险化学品经营（带储存）", "Hazardous chemical trading (with storage)"),
    "trading": define("ui.ekind.trading", "危险化学品经营（不带储存）", "Hazardous chemical trading (no storage)"),
    "gas-filling": define("ui.ekind.gas_filling", "气体充装", "Gas filling"),
    "chemical": define("ui.ekind.chemical", "化工", "Chemical industry"),
    "pharmaceutical": define("ui.ekind.pharmaceutical", "医药", "Pharmaceutical"),
}
STATUS = {
    "draft": define("ui.status.draft", "未签名（草稿）", "Not signed (draft)"),
    "signed": define("ui.status.signed", "已签名", "Signed"),
}


def result(value: str) -> str:
    return tr(RESULTS[value]) if value in RESULTS else value


def grade(value: str) -> str:
    return tr(GRADES[value]) if value in GRADES else value


def enterprise_kind(value: str) -> str:
    return tr(ENTERPRISE_KINDS[value]) if value in ENTERPRISE_KINDS else value


def status(value: str) -> str:
    return tr(STATUS[value]) if value in STATUS else value
