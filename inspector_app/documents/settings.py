"""The county's settings that every document prints: names, short name, seal, appeal bodies.

Since 2024-01-01 (行政复议法 第二十四条) reconsideration of a county bureau's act goes to the county
people's government, and the court differs per county: both are settings, never wording in a template.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from inspector_app.domain.messages import InspectorError, define

MISSING_SETTING = define(
    "documents.missing_setting",
    "缺少县区设置“{setting}”（{field}），无法生成文书，请在设置中填写",
    "The county setting \"{setting}\" ({field}) is missing; documents cannot be rendered until it is set",
)


@dataclass(frozen=True)
class CountySettings:
    county_name: str = ""  # 县区名称, e.g. 某某县
    bureau_name: str = ""  # 应急管理局名称, e.g. 某某县应急管理局
    short_name: str = ""  # 县区简称 in numbers, e.g. 文 → （文）应急责改〔2025〕12号
    seal_text: str = ""  # 印章文字; empty → the bureau's name
    reconsideration_body: str = ""  # 行政复议机关, e.g. 某某县人民政府
    court: str = ""  # 管辖法院 (full name), e.g. 某某县人民法院
    server_url: str | None = None  # e.g. https://inspector.example.gov.cn — the QR then is a URL

    @property
    def seal(self) -> str:
        return (self.seal_text or "").strip() or self.bureau_name.strip()


BAD_SETTING = define(
    "documents.bad_setting",
    "县区设置“{setting}”（{field}）无效：{reason}",
    "The county setting \"{setting}\" ({field}) is invalid: {reason}",
)

#: Required settings and the Chinese name an inspector sees when one is missing.
REQUIRED = {
    "county_name": "县区名称",
    "bureau_name": "应急管理局名称",
    "short_name": "县区简称",
    "reconsideration_body": "行政复议机关",
    "court": "管辖人民法院",
}
LABELS = {**REQUIRED, "seal_text": "印章文字", "server_url": "服务器地址"}


def check_settings(settings: CountySettings) -> CountySettings:
    """Raise documents.missing_setting for the first required setting that is empty."""
    for f in fields(CountySettings):
        if f.name in REQUIRED:
            value = getattr(settings, f.name)
            if not isinstance(value, str) or not value.strip():
                raise InspectorError(MISSING_SETTING, setting=REQUIRED[f.name], field=f.name)
    url = settings.server_url
    if url is not None and not isinstance(url, str):
        raise InspectorError(BAD_SETTING, setting=LABELS["server_url"], field="server_url", reason="应为网址")
    if url and url.strip() and not url.strip().lower().startswith(("https://", "http://")):
        raise InspectorError(BAD_SETTING, setting=LABELS["server_url"], field="server_url",
                             reason=f"应以 https:// 开头：{url}")
    return settings
