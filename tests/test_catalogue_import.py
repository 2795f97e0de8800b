"""Importing official tables (.xlsx, .csv) and writing catalogues: real files built in tmp_path."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Side

from inspector_app.domain.catalogue import CatalogueError, load_catalogue, load_catalogues
from inspector_app.domain.catalogue_import import import_table, write_catalogue
from inspector_app.paths import checklists_dir

try:  # the seed-table parser lives with the catalogue tests
    from .test_catalogue import seed_table
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from test_catalogue import seed_table

META = dict(catalogue_id="key-items", version="2025", title="2025年测试目录", issuer="测试",
            source="官方表格", scope="测试范围")

TITLE = "2025年危险化学品企业安全生产执法检查重点事项指导目录"
HEADER = ["序 号", "检 查 事 项", "检查内容", "检查依据（法律法规）", "执法依据"]


def official_xlsx(path: Path, header=HEADER) -> Path:
    """The official layout: a merged title, a header with spaced-out words, merged section rows,
    检查事项 merged over two rows, citations one per line, a reference to other rows, and
    formatted but empty rows at the end."""
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(["（征求意见稿）"])
    ws.append(header)
    ws.append(["一、基础管理"])
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=len(header))
    ws.append([1, "主要负责人履职", "主要负责人是否依法履行安全生产管理职责",
               "《安全生产法》第五条；\n《安全生产法》第二十一条", "《安全生产法》第九十四条"])
    ws.append([2, None, "是否建立全员安全生产责任制",
               "《安全生产法》第四条\n《安全生产法》第二十二条", "《安全生产法》第一百零一条；\n本表第1事项所列执法依据"])
    ws.merge_cells("B5:B6")
    ws.append(["二、设备设施"])
    ws.merge_cells(start_row=7, start_column=1, end_row=7, end_column=len(header))
    ws.append([3.0, "泄漏管理", "是否带病运行", "GB 30871-2022", "本表第1、2事项所列执法依据"])
    for row in ws.iter_rows(min_row=5, max_row=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    thin = Side(style="thin")
    for r in range(9, 13):  # empty but bordered: openpyxl reads these rows back
        ws.cell(row=r, column=1).border = Border(top=thin)
    wb.save(path)
    return path


def test_import_of_the_official_xlsx_layout(tmp_path):
    catalogue = import_table(official_xlsx(tmp_path / "目录.xlsx"), **META)
    assert (catalogue.id, catalogue.version, catalogue.year) == ("key-items", "2025", 2025)
    assert catalogue.status == "official"
    one, two, three = catalogue.items
    assert [i.id for i in catalogue.items] == ["key-items-1", "key-items-2", "key-items-3"]
    assert [i.seq for i in catalogue.items] == [1, 2, 3]
    assert [i.section for i in catalogue.items] == ["一、基础管理", "一、基础管理", "二、设备设施"]
    assert one.matter == two.matter == "主要负责人履职"  # merged over rows 5-6
    assert one.check_basis == ("《安全生产法》第五条", "《安全生产法》第二十一条")
    assert two.check_basis == ("《安全生产法》第四条", "《安全生产法》第二十二条")  # bare line break
    assert two.enforcement_basis == ("《安全生产法》第一百零一条",)
    assert two.enforcement_refs == ("key-items-1",) and two.enforcement_note == "本表第1事项所列执法依据"
    assert three.enforcement_basis == () and three.enforcement_refs == ("key-items-1", "key-items-2")
    assert three.effective_enforcement_basis(catalogue) == ("《安全生产法》第九十四条", "《安全生产法》第一百零一条")
    assert [i.source for i in catalogue.items] == ["目录.xlsx 第5行", "目录.xlsx 第6行", "目录.xlsx 第8行"]
    assert all(i.nature == "official-row" and i.kinds == ("*",) and not i.major_hazard for i in catalogue.items)


def test_import_reproduces_the_seed_table(tmp_path):
    """The seed's own table, laid out as an official sheet, imports to the shipped catalogue's text."""
    header, *rows = seed_table()
    wb = Workbook()
    ws = wb.active
    ws.append(["相关检查和执法依据"])
    ws.append(header)
    for cells in rows:
        ws.append([int(cells[0]), *cells[1:]])
    path = tmp_path / "附件.xlsx"
    wb.save(path)
    imported = import_table(path, **dict(META, catalogue_id="reg"))
    shipped = load_catalogues(checklists_dir()).get("hazchem-registration-special", "2025")
    for new, old in zip(imported.items, shipped.items, strict=True):
        assert (new.matter, new.content, new.check_basis, new.enforcement_basis, new.enforcement_note) == (
            old.matter, old.content, old.check_basis, old.enforcement_basis, old.enforcement_note)
        assert (new.id, new.seq, new.enforcement_refs) == (old.id, old.seq, old.enforcement_refs)
        assert new.check_basis_text == old.check_basis_text and new.enforcement_text == old.enforcement_text


def csv_rows() -> list[list[str]]:
    # A CSV export of a merged 检查事项 leaves the later rows empty.
    return [
        ["2025年检查目录", "", "", "", ""],
        ["序号", "检查事项", "检查内容", "检查依据", "执法依据"],
        ["一、基础管理", "", "", "", ""],
        ["1", "危险化学品登记", "登记情况", "《危险化学品登记管理办法》第十二条；\n《危险化学品登记管理办法》第十八条",
         "《危险化学品登记管理办法》第二十九条"],
        ["2", "", "建档情况", "《危险化学品登记管理办法》第二十一条", "本表第1事项所列执法依据"],
        ["", "", "", "", ""],
    ]


def write_csv(path: Path, rows, encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding, delimiter", [("gbk", ","), ("utf-8-sig", ","), ("utf-8", ","),
                                                 ("utf-16", "\t")])  # Excel's "Unicode text"
def test_import_of_csv_exports(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "目录.csv", csv_rows(), encoding, delimiter)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    one, two = import_table(path, **META).items
    assert one.matter == two.matter == "危险化学品登记"
    assert one.section == two.section == "一、基础管理"
    assert one.check_basis == ("《危险化学品登记管理办法》第十二条", "《危险化学品登记管理办法》第十八条")
    assert two.enforcement_refs == ("key-items-1",) and two.enforcement_basis == ()
    assert (one.source, two.source) == ("目录.csv 第4行", "目录.csv 第5行")


def test_round_trip_import_write_load(tmp_path):
    catalogue = import_table(official_xlsx(tmp_path / "目录.xlsx"), **META, kinds=("production", "use"))
    folder = tmp_path / "imported" / "checklists"  # not there yet
    written = write_catalogue(catalogue, folder)
    assert written == folder / "key-items-2025.toml"
    loaded = load_catalogue(written)
    assert loaded == catalogue and loaded.items == catalogue.items
    first = written.read_bytes()
    assert write_catalogue(loaded, written) == written and written.read_bytes() == first
    assert sorted(os.listdir(folder)) == ["key-items-2025.toml"]  # no temporary file left behind


def test_imported_catalogue_replaces_the_shipped_frame(tmp_path):
    catalogue = import_table(official_xlsx(tmp_path / "目录.xlsx"), **META)
    write_catalogue(catalogue, tmp_path / "user")
    catalogues = load_catalogues(checklists_dir(), tmp_path / "user")
    assert catalogues.get("key-items").status == "official"
    assert load_catalogues(checklists_dir()).get("key-items").status == "frame"


def test_write_refuses_a_file_name_that_is_not_id_and_version(tmp_path):
    catalogue = import_table(official_xlsx(tmp_path / "目录.xlsx"), **META)
    with pytest.raises(CatalogueError) as caught:
        write_catalogue(catalogue, tmp_path / "catalogue.toml")
    assert caught.value.code == "catalogue.file_name" and "key-items-2025.toml" in caught.value.text()


def error_of(path: Path, **meta) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        import_table(path, **dict(META, **meta))
    return caught.value


def test_missing_column_is_named_with_its_row(tmp_path):
    path = official_xlsx(tmp_path / "t.xlsx", header=HEADER[:4])
    error = error_of(path)
    assert error.code == "catalogue.import_missing_column"
    assert (error.params["file"], error.params["row"], error.params["headers"]) == ("t.xlsx", 3, "执法依据")
    assert "t.xlsx 第3行" in error.text("zh") and "执法依据" in error.text("zh")


def test_unknown_column_is_named_with_its_row_and_letter(tmp_path):
    path = official_xlsx(tmp_path / "t.xlsx", header=[*HEADER, "备 注"])
    error = error_of(path)
    assert error.code == "catalogue.import_unknown_column"
    assert (error.params["row"], error.params["column"], error.params["header"]) == (3, "F", "备 注")
    assert "第3行" in error.text("zh") and "F 列" in error.text("zh") and "备 注" in error.text("en")


def test_duplicate_column(tmp_path):
    rows = csv_rows()
    rows[1] = [*rows[1], "检查依据"]
    error = error_of(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert error.code == "catalogue.import_duplicate_column" and error.params["column"] == "F"


def test_no_header(tmp_path):
    error = error_of(write_csv(tmp_path / "t.csv", [["a", "b"], ["1", "2"]], "utf-8"))
    assert error.code == "catalogue.import_no_header" and "t.csv" in error.text("zh")


def test_bad_seq_names_the_row(tmp_path):
    rows = csv_rows()
    rows[4][0] = "二"
    error = error_of(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert (error.code, error.params["row"], error.params["value"]) == ("catalogue.import_bad_seq", 5, "二")


def test_empty_basis_names_the_row_and_column(tmp_path):
    rows = csv_rows()
    rows[4][3] = ""
    error = error_of(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert (error.code, error.params["row"], error.params["header"]) == ("catalogue.import_empty_cell", 5, "检查依据")


def test_reference_to_a_missing_row(tmp_path):
    rows = csv_rows()
    rows[4][4] = "本表第1、9事项所列执法依据"
    error = error_of(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert (error.code, error.params["row"], error.params["seq"]) == ("catalogue.import_bad_ref", 5, 9)


def test_reference_ranges_and_chinese_numerals(tmp_path):
    rows = csv_rows()[:5]
    rows.append(["3", "事项三", "内容三", "《X》第1条", "《X》第2条；本表第一至二项所列执法依据"])
    catalogue = import_table(write_csv(tmp_path / "t.csv", rows, "utf-8"), **META)
    three = catalogue.item("key-items-3")
    assert three.enforcement_refs == ("key-items-1", "key-items-2")
    assert three.enforcement_basis == ("《X》第2条",) and three.enforcement_note == "本表第一至二项所列执法依据"


def test_numbering_restarted_per_section_gets_section_ids(tmp_path):
    rows = csv_rows()[:5] + [["二、设备设施", "", "", "", ""], ["1", "泄漏", "内容", "《X》第1条", "《X》第2条"]]
    rows[4][4] = "《Y》第3条"  # "本表第1事项" would be ambiguous here: see test_reference_to_a_missing_row
    catalogue = import_table(write_csv(tmp_path / "t.csv", rows, "utf-8"), **dict(META, catalogue_id="k"))
    assert [i.id for i in catalogue.items] == ["k-s1-1", "k-s1-2", "k-s2-1"]
    rows[4][4] = "本表第1事项所列执法依据"  # which 1?
    error = error_of(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert (error.code, error.params["row"], error.params["seq"]) == ("catalogue.import_bad_ref", 5, 1)


def test_no_rows_below_the_header(tmp_path):
    error = error_of(write_csv(tmp_path / "t.csv", csv_rows()[:2], "utf-8"))
    assert (error.code, error.params["row"]) == ("catalogue.import_no_rows", 2)


def test_unreadable_inputs(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("x")
    assert error_of(text).code == "catalogue.import_unsupported" and error_of(text).exit_code == 2
    broken = tmp_path / "t.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert error_of(broken).code == "catalogue.import_unreadable"
    garbage = tmp_path / "t.csv"
    garbage.write_bytes("序号,检查事项\n".encode() + b"\xff\xff\xff\n")
    error = error_of(garbage)
    assert (error.code, error.params["line"]) == ("catalogue.import_bad_encoding", 2)


def test_bad_arguments_are_bad_usage(tmp_path):
    path = write_csv(tmp_path / "t.csv", csv_rows(), "utf-8")
    for meta, code in ((dict(catalogue_id="Key Items"), "catalogue.import_bad_argument"),
                       (dict(version="next"), "catalogue.import_no_year"),
                       (dict(kinds=("factory",)), "catalogue.import_bad_argument")):
        error = error_of(path, **meta)
        assert error.code == code and error.exit_code == 2
    assert import_table(path, **dict(META, version="next", year=2026)).year == 2026


_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(matter=_text, content=_text, basis=st.lists(_text, min_size=1, max_size=4), section=st.text(max_size=10))
def test_any_text_survives_write_and_load(tmp_path, matter, content, basis, section):
    """Quotes, backslashes, control characters and line breaks all come back unchanged."""
    from dataclasses import replace

    catalogue = import_table(write_csv(tmp_path / "t.csv", csv_rows(), "utf-8"), **META)
    item = replace(catalogue.items[0], matter=matter, content=content, check_basis=tuple(basis), section=section)
    changed = replace(catalogue, items=(item, *catalogue.items[1:]))
    assert load_catalogue(write_catalogue(changed, tmp_path / "out")) == changed
