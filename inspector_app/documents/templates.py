"""Document templates: TOML data files in resources/templates/, one per kind plus _common.toml.

The code knows the layout of each kind; every word printed on a form (title, number prefix, fixed
wording, labels, column headers, signature labels, appeal notice, footer) comes from these files, so
that a new edition of the forms (安全生产违法行为行政处罚办法, in force from 2026-02-01) is a data change.
Format described in docs/documents.md; ``format`` is checked.
"""
from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector_app.domain.messages import InspectorError, define
from inspector_app.paths import resources_dir

BAD_TEMPLATE = define(
    "documents.bad_template",
    "文书模板 {file} 有误（{field}）：{reason}",
    "Document template {file} is invalid ({field}): {reason}",
)

FORMAT = 1
KINDS = ("plan", "check-record", "rectify-order", "onsite-measures", "review-opinion", "inquiry")
COMMON = "_common"


def templates_dir() -> Path:
    return resources_dir() / "templates"


class _Blanking(dict):
    """format_map mapping where a missing or empty value prints as a blank to fill in by hand."""

    def __init__(self, values: dict, blank: str):
        super().__init__(values)
        self.blank = blank

    def __missing__(self, key: str) -> str:
        return self.blank


@dataclass
class Template:
    kind: str
    file: str
    data: dict[str, Any]
    common: dict[str, Any]

    def _lookup(self, dotted: str, *, common_too: bool = True) -> Any:
        for source in (self.data, self.common) if common_too else (self.data,):
            node: Any = source
            for part in dotted.split("."):
                if not isinstance(node, dict) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return node
        raise InspectorError(BAD_TEMPLATE, file=self.file, field=dotted, reason="缺少此项")

    def get(self, dotted: str, default: Any = None) -> Any:
        try:
            return self._lookup(dotted)
        except InspectorError:
            return default

    def raw(self, dotted: str) -> Any:
        return self._lookup(dotted)

    def text(self, dotted: str, /, **params: object) -> str:
        """The wording at ``dotted`` with its placeholders filled; unknown placeholder → bad_template."""
        value = self._lookup(dotted)
        if not isinstance(value, str):
            raise InspectorError(BAD_TEMPLATE, file=self.file, field=dotted, reason="应为文字")
        try:
            return value.format(**params)
        except (KeyError, IndexError, ValueError) as exc:
            raise InspectorError(BAD_TEMPLATE, file=self.file, field=dotted, reason=f"占位符错误 {exc}") from None

    def fill(self, template: str, values: dict[str, object], *, field: str) -> str:
        """Fill free placeholders from values; missing or empty ones print as the blank."""
        blank = self.common.get("text", {}).get("blank_inline") or self.common.get("text", {}).get("blank", "")
        clean = {k: v for k, v in values.items() if v not in (None, "")}
        try:
            return template.format_map(_Blanking(clean, blank))
        except (IndexError, ValueError) as exc:
            raise InspectorError(BAD_TEMPLATE, file=self.file, field=field, reason=f"占位符错误 {exc}") from None

    @property
    def title(self) -> str:
        return self.raw("title")

    @property
    def prefix(self) -> str:
        return self.data.get("number_prefix", "")


_REQUIRED = ("format", "kind", "title", "source")
_cache: dict[tuple[str, Path], Template] = {}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InspectorError(BAD_TEMPLATE, file=str(path), field="-", reason="文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise InspectorError(BAD_TEMPLATE, file=str(path), field="-", reason=str(exc)) from None
    if data.get("format") != FORMAT:
        raise InspectorError(
            BAD_TEMPLATE, file=str(path), field="format", reason=f"只支持格式版本 {FORMAT}，实为 {data.get('format')!r}"
        )
    return data


def _check_placeholders(file: str, node: Any, where: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _check_placeholders(file, value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_placeholders(file, value, f"{where}[{i}]")
    elif isinstance(node, str):
        try:
            list(string.Formatter().parse(node))
        except ValueError as exc:
            raise InspectorError(BAD_TEMPLATE, file=file, field=where, reason=f"花括号不配对 {exc}") from None


def load_template(kind: str, folder: Path | None = None) -> Template:
    folder = folder or templates_dir()
    key = (kind, folder)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    common = _read(folder / f"{COMMON}.toml")
    path = folder / f"{kind}.toml"
    data = _read(path)
    for name in _REQUIRED:
        if name not in data:
            raise InspectorError(BAD_TEMPLATE, file=str(path), field=name, reason="缺少此项")
    if data["kind"] != kind:
        raise InspectorError(BAD_TEMPLATE, file=str(path), field="kind", reason=f"应为 {kind}")
    _check_placeholders(str(path), data, "")
    _check_placeholders(str(folder / f"{COMMON}.toml"), common, "")
    template = Template(kind, str(path), data, common)
    _cache[key] = template
    return template


def clear_cache() -> None:
    _cache.clear()
