"""Import an official catalogue table (.xlsx or .csv) and write catalogues as TOML.

The official tables (each year's 执法检查重点事项指导目录, special-check tables such as the one in
县局工作要点 附件3) share one layout: maybe title rows, a header row 序号 / 检查事项 / 检查内容 /
检查依据 / 执法依据, then one row per item, with section rows (一、基础管理) spanning the table,
检查事项 merged over several rows, and several citations per cell, one per line. Importing such a
table is a command, not a code change; the result is checked by the same rules as a shipped file.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import tomli_w
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..fsutil import atomic_write
from .catalogue import (
    FILE_NAME,
    FORMAT,
    Catalogue,
    CatalogueError,
    build_catalogue,
    catalogue_file_name,
    check_catalogue_data,
    schema,
)
from .enterprise import KIND_ALL, KINDS
from .messages import define

HEADER_SEARCH_ROWS = 10  # the header is found among this many rows from the top

# Canonical columns, in table order, and the headers they are known by (after _normalise).
COLUMNS = {"seq": "序号", "matter": "检查事项", "content": "检查内容", "check_basis": "检查依据",
           "enforcement_basis": "执法依据"}
_HEADER_LIST = "、".join(COLUMNS.values())

UNSUPPORTED = define(
    "catalogue.import_unsupported",
    "不能导入 {file}：只支持 .xlsx 或 .csv 表格",
    "Cannot import {file}: only .xlsx and .csv tables are supported",
)
UNREADABLE = define(
    "catalogue.import_unreadable",
    "无法读取表格文件 {file}：{detail}",
    "Cannot read table {file}: {detail}",
)
BAD_ENCODING = define(
    "catalogue.import_bad_encoding",
    "表格文件 {file} 第{line}行既不是 UTF-8 也不是 GB18030（GBK）编码",
    "Table {file}, line {line} is neither UTF-8 nor GB18030 (GBK) text",
)
NO_HEADER = define(
    "catalogue.import_no_header",
    "表格文件 {file} 前{rows}行中找不到表头（应有：{headers}）",
    "Table {file}: no header row in the first {rows} rows (expected: {headers})",
)
MISSING_COLUMN = define(
    "catalogue.import_missing_column",
    "表格文件 {file} 第{row}行表头缺少列：{headers}",
    "Table {file}, header row {row}: missing column(s): {headers}",
)
UNKNOWN_COLUMN = define(
    "catalogue.import_unknown_column",
    "表格文件 {file} 第{row}行表头 {column} 列“{header}”不是目录的列（应为：{headers}）",
    "Table {file}, header row {row}, column {column}: unexpected header “{header}” (expected: {headers})",
)
DUPLICATE_COLUMN = define(
    "catalogue.import_duplicate_column",
    "表格文件 {file} 第{row}行表头 {column} 列“{header}”重复",
    "Table {file}, header row {row}, column {column}: “{header}” appears twice",
)
BAD_SEQ = define(
    "catalogue.import_bad_seq",
    "表格文件 {file} 第{row}行 序号“{value}”不是正整数",
    "Table {file}, row {row}: 序号 “{value}” is not a positive whole number",
)
EMPTY_CELL = define(
    "catalogue.import_empty_cell",
    "表格文件 {file} 第{row}行 {header} 为空",
    "Table {file}, row {row}: {header} is empty",
)
BAD_REF = define(
    "catalogue.import_bad_ref",
    "表格文件 {file} 第{row}行 执法依据引用本表第{seq}事项，但表中没有唯一的该序号",
    "Table {file}, row {row}: 执法依据 refers to item {seq} of the table, which is missing or not unique",
)
NO_ROWS = define(
    "catalogue.import_no_rows",
    "表格文件 {file} 表头（第{row}行）下没有检查事项",
    "Table {file}: no items below the header (row {row})",
)
BAD_ARGUMENT = define(
    "catalogue.import_bad_argument",
    "参数 {name} 的值 {value} 不合要求（{rule}）",
    "Argument {name}: value {value} is not allowed ({rule})",
)
NO_YEAR = define(
    "catalogue.import_no_year",
    "版本 {version} 中看不出年份，请给出年份（--year）",
    "Version {version} shows no year; give the year (--year)",
)
WRITE_FAILED = define(
    "catalogue.write_failed",
    "无法写入目录文件 {file}：{detail}",
    "Cannot write catalogue file {file}: {detail}",
)

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _is_ref(text: str) -> bool:
    """"本表第1、2、3事项所列执法依据", "本表第一至三项所列执法依据": this table's other rows."""
    return bool(re.search(r"本表第.*执法依据", text))


def _cn_number(token: str) -> int:
    """一 … 九十九, as row numbers are written."""
    if "十" not in token:
        return int("".join(str(_CN_DIGITS[c]) for c in token))
    tens, _, ones = token.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def import_table(
    path: str | Path,
    *,
    catalogue_id: str,
    version: str,
    title: str,
    issuer: str,
    source: str,
    scope: str,
    kinds: tuple[str, ...] | list[str] = (KIND_ALL,),
    year: int | None = None,
) -> Catalogue:
    """Read an official table into a Catalogue of official rows (not yet written anywhere).

    Item ids are "<catalogue_id>-<序号>" (or "<catalogue_id>-s<section>-<序号>" when the table
    restarts its numbering in each section), so re-importing the same table gives the same ids.
    Every item applies to `kinds`; major_hazard is false, since the tables do not say.
    """
    path = Path(path)
    _check_arguments(catalogue_id, version, kinds)
    if year is None:
        found = re.match(r"\d{4}", version)
        if not found:
            raise CatalogueError(NO_YEAR, exit_code=2, version=version)
        year = int(found.group())
    rows = read_table(path, lambda rows: _find_header(rows) is not None)
    items = _items(rows, path.name, catalogue_id, list(kinds))
    data = {
        "format": FORMAT, "id": catalogue_id, "version": version, "year": year, "title": title,
        "issuer": issuer, "source": source, "scope": scope, "status": "official", "items": items,
    }
    return build_catalogue(data, file=path.name)


def write_catalogue(catalogue: Catalogue, path: str | Path) -> Path:
    """Write the catalogue as TOML, atomically; path is a folder or a file named <id>-<version>.toml.

    Returns the file written. The file loads back with load_catalogue() equal to `catalogue`.
    """
    target = Path(path)
    expected = catalogue_file_name(catalogue.id, catalogue.version)
    if target.is_dir() or target.suffix.lower() != ".toml":  # a folder, perhaps not made yet
        target = target / expected
    elif target.name != expected:
        raise CatalogueError(FILE_NAME, exit_code=2, file=str(target), expected=expected)
    data = catalogue.to_data()
    problems = check_catalogue_data(data, file=str(target))
    if problems:
        raise problems[0]
    header = (f"# Catalogue {catalogue.id} {catalogue.version}, written by Inspector "
              f"(format {FORMAT}); fields: checklists/README.md\n")
    try:
        atomic_write(target, (header + tomli_w.dumps(data)).encode("utf-8"))
    except OSError as error:
        raise CatalogueError(WRITE_FAILED, file=str(target), detail=error.strerror or str(error)) from None
    return target


def _check_arguments(catalogue_id: str, version: str, kinds) -> None:
    props = schema()["properties"]
    for name, value in (("id", catalogue_id), ("version", version)):
        pattern = props[name]["pattern"]
        if not re.fullmatch(pattern, value):
            raise CatalogueError(BAD_ARGUMENT, exit_code=2, name=name, value=value, rule=f"/{pattern}/")
    for kind in kinds:
        if kind != KIND_ALL and kind not in KINDS:
            raise CatalogueError(BAD_ARGUMENT, exit_code=2, name="kinds", value=kind,
                                 rule=" | ".join([KIND_ALL, *KINDS]))




# --- reading the table into rows of text: [(row number, [cell text, …]), …] ---

def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 序号 1 as 1.0
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def read_table(path: Path, has_header=None) -> list[tuple[int, list[str]]]:
    """The rows of a .xlsx or .csv table as [(row number, [cell text, …])]: merged cells filled,
    line breaks kept, the CSV's encoding found. ``has_header(rows)`` picks the sheet of a workbook
    (a cover sheet may come first). Shared by every table importer (catalogues, question banks)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, has_header or (lambda rows: True))
    if suffix == ".csv":
        return _read_csv(path)
    raise CatalogueError(UNSUPPORTED, exit_code=2, file=path.name)


def normalise_header(header: str) -> str:
    return _normalise(header)


def _read_xlsx(path: Path, has_header) -> list[tuple[int, list[str]]]:
    try:
        # Not read_only: read-only worksheets do not expose merged_cells.
        workbook = load_workbook(path, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise CatalogueError(UNREADABLE, file=path.name, detail=str(error) or type(error).__name__) from None
    sheets = []
    for sheet in workbook.worksheets:
        grid = [[cell.value for cell in row] for row in sheet.iter_rows()]
        # A merged range shows its value in the top-left cell only; it belongs to every cell.
        for merged in sheet.merged_cells.ranges:
            value = grid[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    grid[r][c] = value
        sheets.append([(n, [_text(v) for v in row]) for n, row in enumerate(grid, start=1)])
    # The table is on the first sheet that has a header (a cover sheet may come first).
    for rows in sheets:
        if has_header(rows):
            return rows
    return sheets[0] if sheets else []


def _decode(raw: bytes, file: str) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")  # Excel's "Unicode text" export
        except UnicodeDecodeError:
            raise CatalogueError(BAD_ENCODING, file=file, line=1) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw, candidates = raw[len(codecs.BOM_UTF8):], ("utf-8",)
    else:
        # Chinese Excel saves CSV in the ANSI code page, GBK; GB18030 is its superset.
        candidates = ("utf-8", "gb18030")
    first_error = None
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as error:
            first_error = first_error or error
    # Name the line where the text stops being UTF-8: that is where the file went wrong.
    raise CatalogueError(BAD_ENCODING, file=file, line=raw.count(b"\n", 0, first_error.start) + 1)


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogueError(UNREADABLE, file=path.name, detail=error.strerror or str(error)) from None
    text = _decode(raw, path.name)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise CatalogueError(UNREADABLE, file=path.name, detail=str(error)) from None
    # One record is one spreadsheet row, even when a quoted cell spans several lines.
    return [(n, [_text(v) for v in record]) for n, record in enumerate(records, start=1)]


# --- header ---

def _normalise(header: str) -> str:
    """'检 查 事 项', '检查依据（法律法规）', '序号：' → the bare words."""
    text = unicodedata.normalize("NFKC", header)  # full-width brackets, digits and spaces → ASCII
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】|〔.*?〕", "", text)
    return re.sub(r"[\s:：]", "", text)


def _column_of(header: str) -> str | None:
    words = _normalise(header)
    for key, name in COLUMNS.items():
        if words == name or (words.startswith(name) and len(words) <= len(name) + 6):
            return key
    return None


def _find_header(rows) -> tuple[int, int] | None:
    """(position in rows, number of known headers) of the best header candidate, if any."""
    best = None
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {_column_of(c) for c in cells if c} - {None}
        if len(known) >= 2 and (best is None or len(known) > best[1]):
            best = (position, len(known))
    return best


def _columns(rows, file: str) -> tuple[int, dict[str, int]]:
    found = _find_header(rows)
    if found is None:
        raise CatalogueError(NO_HEADER, file=file, rows=HEADER_SEARCH_ROWS, headers=_HEADER_LIST)
    position = found[0]
    row_number, cells = rows[position]
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not cell:
            continue
        key = _column_of(cell)
        letter = get_column_letter(index + 1)
        if key is None:
            raise CatalogueError(UNKNOWN_COLUMN, file=file, row=row_number, column=letter, header=cell,
                                 headers=_HEADER_LIST)
        if key in columns:
            raise CatalogueError(DUPLICATE_COLUMN, file=file, row=row_number, column=letter, header=cell)
        columns[key] = index
    missing = [name for key, name in COLUMNS.items() if key not in columns]
    if missing:
        raise CatalogueError(MISSING_COLUMN, file=file, row=row_number, headers="、".join(missing))
    return position, columns


# --- rows ---

def _seq(text: str) -> int | None:
    words = unicodedata.normalize("NFKC", text).strip().rstrip(".、")
    return int(words) if words.isdecimal() and int(words) > 0 else None


def _citations(cell: str) -> list[str]:
    """One citation per line: split at "；" + line break or a bare line break, "；" dropped."""
    out = []
    for line in cell.split("\n"):
        line = line.strip().rstrip("；;").strip()
        if line:
            out.append(line)
    return out


def _ref_numbers(line: str) -> list[int]:
    """"本表第1、2、3事项所列执法依据" → [1, 2, 3]; "第1至3项", "第1-3项" are ranges."""
    words = unicodedata.normalize("NFKC", line)
    words = words[words.index("本表第"): words.rindex("执法依据")]
    tokens = [t if t[0] in "0123456789至到-~—" else str(_cn_number(t))
              for t in re.findall(r"\d+|[〇一二三四五六七八九十]+|至|到|-|~|—", words)]
    numbers: list[int] = []
    i = 0
    while i < len(tokens):
        if tokens[i].isdecimal():
            if i + 2 < len(tokens) and not tokens[i + 1].isdecimal() and tokens[i + 2].isdecimal():
                numbers.extend(range(int(tokens[i]), int(tokens[i + 2]) + 1))
                i += 3
                continue
            numbers.append(int(tokens[i]))
        i += 1
    return numbers


def _items(rows, file: str, catalogue_id: str, kinds: list[str]) -> list[dict]:
    position, col = _columns(rows, file)
    header_row, header_cells = rows[position]
    width = max(col.values()) + 1

    def cell(cells: list[str], key: str) -> str:
        index = col[key]
        return cells[index] if index < len(cells) else ""

    header_words = [c for c in header_cells if c]
    parsed = []  # (row number, section number, section, cells)
    section, section_no = "", 0
    for row_number, cells in rows[position + 1:]:
        cells = cells + [""] * (width - len(cells))
        filled = [c for c in cells if c]
        if not filled or filled == header_words:  # empty, or the second row of a merged header
            continue
        if len(set(filled)) == 1 and _seq(cell(cells, "seq")) is None:
            # One text across the row: a section heading (一、基础管理), merged or in one cell.
            section, section_no = filled[0], section_no + 1
            continue
        parsed.append((row_number, section_no, section, cells))
    # Pre-numbered empty rows at the end of a template are not items.
    while parsed and not any(c for i, c in enumerate(parsed[-1][3]) if i != col["seq"]):
        parsed.pop()
    if not parsed:
        raise CatalogueError(NO_ROWS, file=file, row=header_row)

    items, matter, last_section = [], "", None
    for row_number, section_no, section, cells in parsed:
        seq = _seq(cell(cells, "seq"))
        if seq is None:
            raise CatalogueError(BAD_SEQ, file=file, row=row_number, value=cell(cells, "seq"))
        if section_no != last_section:
            matter, last_section = "", section_no
        # A 检查事项 merged over several rows: openpyxl gives it to every row after the merge is
        # spread; a CSV export leaves the later rows empty, so an empty cell continues the one above.
        matter = cell(cells, "matter") or matter
        for key, text in (("matter", matter), ("content", cell(cells, "content")),
                          ("check_basis", cell(cells, "check_basis"))):
            if not text:
                raise CatalogueError(EMPTY_CELL, file=file, row=row_number, header=COLUMNS[key])
        basis, notes, ref_seqs = [], [], []
        for line in cell(cells, "enforcement_basis").split("\n"):
            if not _is_ref(line):
                basis.extend(_citations(line))
                continue
            # The reference line is kept verbatim; a citation sharing its line stays a citation.
            for part in re.split(r"(?<=[；;])", line.strip()):
                if _is_ref(part):
                    notes.append(part.strip())
                    numbers = _ref_numbers(part)
                    if not numbers:
                        raise CatalogueError(BAD_REF, file=file, row=row_number, seq=part.strip())
                    ref_seqs.extend(numbers)
                else:
                    basis.extend(_citations(part))
        items.append({
            "row": row_number, "seq": seq, "section_no": section_no, "section": section, "matter": matter,
            "content": cell(cells, "content"), "check_basis": _citations(cell(cells, "check_basis")),
            "enforcement_basis": basis, "ref_seqs": ref_seqs, "note": "\n".join(notes),
        })

    seqs = [it["seq"] for it in items]
    unique = len(set(seqs)) == len(seqs)
    for it in items:
        it["id"] = (f"{catalogue_id}-{it['seq']}" if unique
                    else f"{catalogue_id}-s{it['section_no']}-{it['seq']}")
    by_seq = {it["seq"]: it["id"] for it in items} if unique else {}
    out = []
    for it in items:
        refs = []
        for seq in it["ref_seqs"]:
            if seq not in by_seq:
                raise CatalogueError(BAD_REF, file=file, row=it["row"], seq=seq)
            refs.append(by_seq[seq])
        entry = {
            "id": it["id"], "seq": it["seq"], "section": it["section"], "matter": it["matter"],
            "content": it["content"], "check_basis": it["check_basis"],
            "enforcement_basis": it["enforcement_basis"], "enforcement_refs": list(dict.fromkeys(refs)),
        }
        if it["note"]:
            entry["enforcement_note"] = it["note"]
        entry.update(kinds=list(kinds), major_hazard=False, nature="official-row",
                     source=f"{file} 第{it['row']}行")
        out.append(entry)
    return out
