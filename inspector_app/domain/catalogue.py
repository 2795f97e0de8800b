"""Checklist catalogues: the TOML files in checklists/, loaded into frozen dataclasses.

A catalogue is data, not code: each year's official table is imported (catalogue_import.py), and
every item says where its text came from. The file format is checklists/catalogue.schema.json
(JSON Schema 2020-12) plus the checks a schema cannot express, done here: unique item ids,
enforcement_refs that point into the same catalogue, known enterprise kinds, the file name.
checklists/README.md documents the fields and conventions.

Every problem becomes one CatalogueError naming the file, the item (position and id) and the field,
in Chinese and English; validate_catalogue_file() returns all of them, load_catalogue() raises the
first.
"""
from __future__ import annotations

import codecs
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema

from ..paths import checklists_dir
from .enterprise import KIND_ALL, KINDS
from .messages import InspectorError, define
from .schemas import inline_refs

FORMAT = 1  # the format this code reads and writes; see _upgrade
SCHEMA_FILE = "catalogue.schema.json"
# Official tables put one citation per line and end every line but the last with "；".
CITATION_JOINER = "；\n"


class CatalogueError(InspectorError):
    """A catalogue file or table that cannot be used; exit code 1 unless it is bad usage."""


# --- messages: the file as a whole ---
NOT_FOUND = define(
    "catalogue.not_found", "目录文件 {file} 不存在", "Catalogue file {file} does not exist"
)
UNREADABLE = define(
    "catalogue.unreadable", "无法读取目录文件 {file}：{detail}", "Cannot read catalogue file {file}: {detail}"
)
BAD_ENCODING = define(
    "catalogue.bad_encoding",
    "目录文件 {file} 第{line}行第{column}个字节（{byte}）不是 UTF-8 编码，请以 UTF-8 另存",
    "Catalogue file {file}, line {line}, byte {column} ({byte}) is not UTF-8; save the file as UTF-8",
)
INVALID_TOML = define(
    "catalogue.invalid_toml",
    "目录文件 {file} 第{line}行第{column}列 TOML 格式错误：{detail}",
    "Catalogue file {file}, line {line}, column {column}: invalid TOML: {detail}",
)
UNSUPPORTED_FORMAT = define(
    "catalogue.unsupported_format",
    "目录文件 {file} 的格式版本 {found} 比本程序支持的 {supported} 新，请升级程序",
    "Catalogue file {file} has format {found}, newer than the supported {supported}; update the program",
)
FILE_NAME = define(
    "catalogue.file_name",
    "目录文件 {file} 的文件名应为 {expected}（编号-版本.toml）",
    "Catalogue file {file} should be named {expected} (<id>-<version>.toml)",
)

# --- messages: a top-level field ---
MISSING_FIELD = define(
    "catalogue.missing_field",
    "目录文件 {file} 缺少字段 {field}",
    "Catalogue file {file}: field {field} is missing",
)
WRONG_TYPE = define(
    "catalogue.wrong_type",
    "目录文件 {file} 字段 {field}：类型不对，应写成 {example} 的形式，实为 {found}",
    "Catalogue file {file}, field {field}: wrong type, expected something like {example}, found {found}",
)
UNKNOWN_FIELD = define(
    "catalogue.unknown_field",
    "目录文件 {file} 有未知字段 {field}",
    "Catalogue file {file} has an unknown field {field}",
)
BAD_VALUE = define(
    "catalogue.bad_value",
    "目录文件 {file} 字段 {field}：值 {found} 不合要求（{rule}）",
    "Catalogue file {file}, field {field}: value {found} is not allowed ({rule})",
)
EMPTY_VALUE = define(
    "catalogue.empty_value",
    "目录文件 {file} 字段 {field}：不能为空",
    "Catalogue file {file}, field {field}: must not be empty",
)

# --- messages: a field of an item (index is 1-based, item is the item's id or "?") ---
ITEM_MISSING_FIELD = define(
    "catalogue.item_missing_field",
    "目录文件 {file} 第{index}项（{item}）缺少字段 {field}",
    "Catalogue file {file}, item {index} ({item}): field {field} is missing",
)
ITEM_WRONG_TYPE = define(
    "catalogue.item_wrong_type",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：类型不对，应写成 {example} 的形式，实为 {found}",
    "Catalogue file {file}, item {index} ({item}), field {field}: wrong type, "
    "expected something like {example}, found {found}",
)
ITEM_UNKNOWN_FIELD = define(
    "catalogue.item_unknown_field",
    "目录文件 {file} 第{index}项（{item}）有未知字段 {field}",
    "Catalogue file {file}, item {index} ({item}) has an unknown field {field}",
)
ITEM_BAD_VALUE = define(
    "catalogue.item_bad_value",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：值 {found} 不合要求（{rule}）",
    "Catalogue file {file}, item {index} ({item}), field {field}: value {found} is not allowed ({rule})",
)
ITEM_EMPTY_VALUE = define(
    "catalogue.item_empty_value",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：不能为空",
    "Catalogue file {file}, item {index} ({item}), field {field}: must not be empty",
)
EMPTY_CHECK_BASIS = define(
    "catalogue.empty_check_basis",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：正式条目（official-row）至少要有一条检查依据",
    "Catalogue file {file}, item {index} ({item}), field {field}: an official row needs at least one citation",
)
DUPLICATE_ITEM = define(
    "catalogue.duplicate_item",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：编号与第{first}项重复",
    "Catalogue file {file}, item {index} ({item}), field {field}: the same id as item {first}",
)
DANGLING_REF = define(
    "catalogue.dangling_ref",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：引用的检查项 {ref} 不在本目录中",
    "Catalogue file {file}, item {index} ({item}), field {field}: refers to {ref}, which is not in this catalogue",
)
UNKNOWN_KIND = define(
    "catalogue.unknown_kind",
    "目录文件 {file} 第{index}项（{item}）字段 {field}：企业类型 {kind} 未知，可选：{choices}",
    "Catalogue file {file}, item {index} ({item}), field {field}: unknown enterprise kind {kind}; "
    "choose from: {choices}",
)

# --- messages: looking things up (bad usage, exit 2) ---
UNKNOWN_CATALOGUE = define(
    "catalogue.unknown_catalogue",
    "没有检查目录 {catalogue}，可用：{choices}",
    "No catalogue {catalogue}; available: {choices}",
)
UNKNOWN_ITEM = define(
    "catalogue.unknown_item",
    "检查目录 {catalogues} 中没有检查项 {item}",
    "No item {item} in catalogue(s) {catalogues}",
)
AMBIGUOUS_ITEM = define(
    "catalogue.ambiguous_item",
    "检查项 {item} 在多个检查目录中都有：{catalogues}，请指明目录",
    "Item {item} is in several catalogues: {catalogues}; name the catalogue",
)


@dataclass(frozen=True)
class Item:
    """One row of a catalogue.

    A citation list holds one citation per line of the official cell, without the "；" that ends
    each line but the last, so entries read (and de-duplicate) cleanly and the cell comes back as
    check_basis_text / enforcement_text. enforcement_note keeps the cell's verbatim reference to
    other rows (本表第…事项所列执法依据), which enforcement_refs resolves.
    """

    id: str
    seq: int
    section: str
    matter: str  # 检查事项
    content: str  # 检查内容
    check_basis: tuple[str, ...]  # 检查依据
    enforcement_basis: tuple[str, ...]  # 执法依据
    enforcement_refs: tuple[str, ...]  # items whose 执法依据 also applies
    kinds: tuple[str, ...]
    major_hazard: bool
    nature: str  # "official-row" | "plan-theme"
    source: str
    enforcement_note: str = ""  # the verbatim words behind enforcement_refs
    industries: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @property
    def check_basis_text(self) -> str:
        """The 检查依据 cell as printed in the official table."""
        return CITATION_JOINER.join(self.check_basis)

    @property
    def enforcement_text(self) -> str:
        """The 执法依据 cell as printed: the citations, then the reference to other rows."""
        note = (self.enforcement_note,) if self.enforcement_note else ()
        return CITATION_JOINER.join(self.enforcement_basis + note)

    def effective_enforcement_basis(self, catalogue: Catalogue) -> tuple[str, ...]:
        """This item's 执法依据 followed by that of the items it refers to (transitively), each
        citation once, in order."""
        seen_items: set[str] = set()
        out: dict[str, None] = {}

        def walk(item: Item) -> None:
            if item.id in seen_items:
                return  # a cycle of references adds nothing new
            seen_items.add(item.id)
            out.update(dict.fromkeys(item.enforcement_basis))
            for ref in item.enforcement_refs:
                walk(catalogue.item(ref))

        walk(self)
        return tuple(out)


@dataclass(frozen=True)
class Catalogue:
    id: str
    version: str
    year: int
    title: str
    issuer: str
    source: str
    scope: str
    status: str  # "official" | "frame"
    items: tuple[Item, ...]
    format: int = FORMAT
    # Where it was read from; not part of its identity, so an import equals its written file.
    path: Path | None = field(default=None, compare=False, repr=False)
    _by_id: dict = field(init=False, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    @property
    def file_name(self) -> str:
        return catalogue_file_name(self.id, self.version)

    def item(self, item_id: str) -> Item:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise CatalogueError(UNKNOWN_ITEM, exit_code=2, item=item_id, catalogues=self.id) from None

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def to_data(self) -> dict:
        """The TOML document for this catalogue; empty optional fields are left out."""
        items = []
        for it in self.items:
            entry = {
                "id": it.id, "seq": it.seq, "section": it.section, "matter": it.matter,
                "content": it.content, "check_basis": list(it.check_basis),
                "enforcement_basis": list(it.enforcement_basis),
                "enforcement_refs": list(it.enforcement_refs),
            }
            if it.enforcement_note:
                entry["enforcement_note"] = it.enforcement_note
            entry["kinds"] = list(it.kinds)
            if it.industries:
                entry["industries"] = list(it.industries)
            if it.requires:
                entry["requires"] = list(it.requires)
            entry.update(major_hazard=it.major_hazard, nature=it.nature, source=it.source)
            items.append(entry)
        return {
            "format": self.format, "id": self.id, "version": self.version, "year": self.year,
            "title": self.title, "issuer": self.issuer, "source": self.source, "scope": self.scope,
            "status": self.status, "items": items,
        }


def catalogue_file_name(catalogue_id: str, version: str) -> str:
    return f"{catalogue_id}-{version}.toml"


def version_key(version: str) -> tuple:
    """Order editions: "2024" < "2025" < "2025.1" < "2025.10"; numbers compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|[^\d]+", version))


class CatalogueSet:
    """All catalogues found, several versions of one id side by side."""

    def __init__(self, catalogues: Iterable[Catalogue] = ()):
        self._by_key: dict[tuple[str, str], Catalogue] = {}
        for catalogue in catalogues:
            self._by_key[catalogue.key] = catalogue  # a later one replaces an earlier one

    def __iter__(self) -> Iterator[Catalogue]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_key)

    def all(self) -> list[Catalogue]:
        return sorted(self._by_key.values(), key=lambda c: (c.id, version_key(c.version)))

    def get(self, catalogue_id: str, version: str | None = None) -> Catalogue | None:
        """That version, or the latest one when version is None; None when there is none."""
        if version is not None:
            return self._by_key.get((catalogue_id, version))
        versions = [c for c in self._by_key.values() if c.id == catalogue_id]
        return max(versions, key=lambda c: version_key(c.version), default=None)

    def latest(self) -> list[Catalogue]:
        return [self.get(cid) for cid in sorted({c.id for c in self._by_key.values()})]

    def locate(self, item_id: str, catalogue_id: str | None = None) -> tuple[Catalogue, Item]:
        """The item and its catalogue, searched in the latest version of each catalogue."""
        if catalogue_id is not None:
            catalogue = self.get(catalogue_id)
            if catalogue is None:
                choices = ", ".join(sorted({c.id for c in self._by_key.values()}))
                raise CatalogueError(UNKNOWN_CATALOGUE, exit_code=2, catalogue=catalogue_id, choices=choices)
            return catalogue, catalogue.item(item_id)
        found = [c for c in self.latest() if item_id in c]
        if not found:
            raise CatalogueError(UNKNOWN_ITEM, exit_code=2, item=item_id,
                                 catalogues=", ".join(c.id for c in self.latest()))
        if len(found) > 1:
            raise CatalogueError(AMBIGUOUS_ITEM, exit_code=2, item=item_id,
                                 catalogues=", ".join(c.id for c in found))
        return found[0], found[0].item(item_id)

    def item(self, item_id: str, catalogue_id: str | None = None) -> Item:
        return self.locate(item_id, catalogue_id)[1]


# --- loading ---

def load_catalogue(path: str | Path) -> Catalogue:
    """Read and check one file; raises the first problem found (validate_catalogue_file lists all)."""
    path = Path(path)
    data = _read(path)
    problems = check_catalogue_data(data, file=str(path), file_name=path.name)
    if problems:
        raise problems[0]
    return _build(data, path)


def validate_catalogue_file(path: str | Path) -> list[CatalogueError]:
    """Every problem of one file, each its own error; empty when the file is valid."""
    path = Path(path)
    try:
        data = _read(path)
    except CatalogueError as error:
        return [error]
    return check_catalogue_data(data, file=str(path), file_name=path.name)


def load_catalogues(*dirs: str | Path, errors: list[CatalogueError] | None = None) -> CatalogueSet:
    """Every <id>-<version>.toml in the folders (default: the shipped checklists/).

    A later folder wins over an earlier one for the same id and version, so an imported official
    table replaces a shipped frame. A folder that does not exist holds no catalogues (the user's
    import folder appears with the first import). An invalid file raises, unless an `errors` list
    is given: then the file is skipped and its problems appended, so one bad import does not take
    every other catalogue away from an inspector on site.
    """
    found: list[Catalogue] = []
    for folder in [Path(d) for d in dirs] or [checklists_dir()]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if errors is None:
                found.append(load_catalogue(path))
                continue
            problems = validate_catalogue_file(path)
            if problems:
                errors.extend(problems)
            else:
                found.append(load_catalogue(path))
    return CatalogueSet(found)


def _read(path: Path) -> dict:
    file = str(path)
    if not path.is_file():
        raise CatalogueError(NOT_FOUND, exit_code=2, file=file)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogueError(UNREADABLE, file=file, detail=error.strerror or str(error)) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]  # Windows Notepad writes one; TOML would refuse it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        raise CatalogueError(
            BAD_ENCODING, file=file, line=raw.count(b"\n", 0, error.start) + 1,
            column=error.start - line_start + 1, byte=f"0x{raw[error.start]:02X}",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(file, text, str(error)) from None


def _toml_error(file: str, text: str, message: str) -> CatalogueError:
    # Python 3.11's tomllib puts the position only in the message text.
    at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if at:
        line, column = int(at.group(1)), int(at.group(2))
    else:
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
    return CatalogueError(INVALID_TOML, file=file, line=line, column=column, detail=detail)


# --- checking ---

@cache
def schema() -> dict:
    return json.loads((checklists_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(inline_refs(schema(), schema().get("$defs", {})))


def check_catalogue_data(data: dict, *, file: str, file_name: str | None = None) -> list[CatalogueError]:
    """All problems of a parsed catalogue, in file order; file names it in the messages, and
    file_name (when given) must be <id>-<version>.toml."""
    found = data.get("format")
    if type(found) is int and found > FORMAT:
        return [CatalogueError(UNSUPPORTED_FORMAT, file=file, found=found, supported=FORMAT)]
    data = _upgrade(data)
    problems: dict[tuple, CatalogueError] = {}  # keyed so one problem is reported once
    for error in _validator().iter_errors(data):
        for key, problem in _from_schema_error(error, data, file):
            problems.setdefault(key, problem)
    for key, problem in _semantic_problems(data, file):
        problems.setdefault(key, problem)
    ordered = [problems[k] for k in sorted(problems, key=_file_order)]
    cid, version = data.get("id"), data.get("version")
    if file_name and isinstance(cid, str) and isinstance(version, str):
        expected = catalogue_file_name(cid, version)
        if file_name != expected:
            ordered.append(CatalogueError(FILE_NAME, file=file, expected=expected))
    return ordered


def _file_order(key: tuple) -> tuple:
    """Problem keys are (item position or 0, kind, field, …): sort by item, then field as in the schema."""
    fields = list(schema()["properties"]) + list(schema()["$defs"]["item"]["properties"])
    name = key[2] if len(key) > 2 else ""
    return (key[0], fields.index(name) if name in fields else len(fields))


def _upgrade(data: dict) -> dict:
    # Format 1 is the first; a format 2 adds a step here turning a format-1 document into format 2,
    # so files written by older versions keep loading.
    return data


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _example(field_schema: dict) -> str:
    examples = field_schema.get("examples")
    # JSON spells strings, numbers and lists of them as TOML does.
    return json.dumps(examples[0], ensure_ascii=False) if examples else "?"


def _rule(error: jsonschema.ValidationError) -> str:
    v = error.validator
    if v == "enum":
        return " | ".join(str(x) for x in error.validator_value)
    if v == "const":
        return f"= {error.validator_value}"
    if v == "pattern":
        return f"/{error.validator_value}/"
    if v == "minimum":
        return f"≥ {error.validator_value}"
    if v == "maximum":
        return f"≤ {error.validator_value}"
    return f"{v} {error.validator_value}"


def _from_schema_error(error: jsonschema.ValidationError, data: dict, file: str):
    """Yield (sort key, CatalogueError) for one jsonschema error."""
    path = list(error.absolute_path)
    in_item = len(path) >= 2 and path[0] == "items" and isinstance(path[1], int)
    if in_item and isinstance(data["items"][path[1]], dict):
        index = path[1]
        item = data["items"][index]
        where = {"file": file, "index": index + 1, "item": item.get("id") if isinstance(item.get("id"), str) else "?"}
        props = schema()["$defs"]["item"]["properties"]
        container, rest = item, path[2:]
        codes = (ITEM_MISSING_FIELD, ITEM_WRONG_TYPE, ITEM_UNKNOWN_FIELD, ITEM_BAD_VALUE, ITEM_EMPTY_VALUE)
        order = index + 1
    else:
        index, where = None, {"file": file}
        props = schema()["properties"]
        container, rest = data, path
        codes = (MISSING_FIELD, WRONG_TYPE, UNKNOWN_FIELD, BAD_VALUE, EMPTY_VALUE)
        order = 0
    missing, wrong_type, unknown, bad_value, empty = codes
    v = error.validator

    if not rest:  # the error is about the table itself
        if v == "required":
            for name in error.validator_value:
                if name not in container:
                    yield (order, "missing", name), CatalogueError(missing, **where, field=name)
        elif v == "additionalProperties":
            for name in container:
                if name not in props:
                    yield (order, "unknown", name), CatalogueError(unknown, **where, field=name)
        return

    name = rest[0]
    value = container.get(name)
    key = (order, "field", name)
    if v == "type":
        example = "[[items]]" if name == "items" and index is None else _example(props.get(name, {}))
        yield key, CatalogueError(wrong_type, **where, field=name, example=example, found=_show(value))
    elif v == "minItems" and name == "check_basis" and index is not None:
        yield key, CatalogueError(EMPTY_CHECK_BASIS, **where, field=name)
    elif v in ("minItems", "minLength") or (v == "pattern" and error.validator_value == r"\S"):
        yield key, CatalogueError(empty, **where, field=name)
    else:
        yield key, CatalogueError(bad_value, **where, field=name, found=_show(error.instance), rule=_rule(error))


def _semantic_problems(data: dict, file: str):
    items = data.get("items")
    if not isinstance(items, list):
        return
    first_index: dict[str, int] = {}
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            first_index.setdefault(item["id"], index)
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        item_id = item.get("id") if isinstance(item.get("id"), str) else "?"
        where = {"file": file, "index": index, "item": item_id}
        if item_id != "?" and first_index[item_id] != index:
            yield (index, "field", "id"), CatalogueError(DUPLICATE_ITEM, **where, field="id",
                                                         first=first_index[item_id])
        refs = item.get("enforcement_refs")
        for ref in refs if isinstance(refs, list) else ():
            if isinstance(ref, str) and ref not in first_index:
                yield (index, "ref", "enforcement_refs", ref), CatalogueError(
                    DANGLING_REF, **where, field="enforcement_refs", ref=ref)
        kinds = item.get("kinds")
        for kind in kinds if isinstance(kinds, list) else ():
            if isinstance(kind, str) and kind != KIND_ALL and kind not in KINDS:
                yield (index, "kind", "kinds", kind), CatalogueError(
                    UNKNOWN_KIND, **where, field="kinds", kind=kind, choices=", ".join([KIND_ALL, *KINDS]))


def build_catalogue(data: dict, *, file: str, path: Path | None = None) -> Catalogue:
    """Check parsed data (as from TOML) and make it a Catalogue; raises the first problem."""
    problems = check_catalogue_data(data, file=file)
    if problems:
        raise problems[0]
    return _build(data, path)


def _build(data: dict, path: Path | None) -> Catalogue:
    data = _upgrade(data)
    items = tuple(
        Item(
            id=d["id"], seq=d["seq"], section=d["section"], matter=d["matter"], content=d["content"],
            check_basis=tuple(d["check_basis"]), enforcement_basis=tuple(d["enforcement_basis"]),
            enforcement_refs=tuple(d["enforcement_refs"]), kinds=tuple(d["kinds"]),
            major_hazard=d["major_hazard"], nature=d["nature"], source=d["source"],
            enforcement_note=d.get("enforcement_note", ""), industries=tuple(d.get("industries", ())),
            requires=tuple(d.get("requires", ())),
        )
        for d in data["items"]
    )
    return Catalogue(
        id=data["id"], version=data["version"], year=data["year"], title=data["title"],
        issuer=data["issuer"], source=data["source"], scope=data["scope"], status=data["status"],
        items=items, format=data["format"], path=path,
    )
