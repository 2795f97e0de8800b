"""The shipped catalogues against their sources, and one specific error for every bad input.

The sources are the seed plans and reference/enforcement.md. Copies live in tests/data so the
suite runs anywhere; when the originals are present (/work/shared) the copies must equal them.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import tomli_w

from inspector_app.domain import messages
from inspector_app.domain.catalogue import (
    Catalogue,
    CatalogueError,
    CatalogueSet,
    load_catalogue,
    load_catalogues,
    schema,
    validate_catalogue_file,
    version_key,
)
from inspector_app.domain.enterprise import KINDS, EnterpriseProfile, MajorHazardSource
from inspector_app.paths import checklists_dir

DATA = Path(__file__).parent / "data"
SHARED = Path("/work/shared")
JK_NAME, LF_NAME = "001_0587236f6b9675e5.txt", "000_7893e1f659d9c546.txt"
SOURCES = {
    JK_NAME: (SHARED / "seeds" / JK_NAME, DATA / f"catalogue_seed_{JK_NAME}"),
    LF_NAME: (SHARED / "seeds" / LF_NAME, DATA / f"catalogue_seed_{LF_NAME}"),
    "enforcement.md": (SHARED / "reference" / "enforcement.md", DATA / "catalogue_enforcement.md"),
}


def source_text(name: str) -> str:
    original, kept = SOURCES[name]
    return (original if original.exists() else kept).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_kept_copies_equal_the_originals(name):
    original, kept = SOURCES[name]
    if not original.exists():
        pytest.skip(f"{original} not present")
    assert kept.read_bytes() == original.read_bytes()


@pytest.fixture(scope="module")
def shipped() -> CatalogueSet:
    return load_catalogues(checklists_dir())


# --- the shipped files ---

def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_every_shipped_file_validates_and_loads(shipped):
    files = sorted(checklists_dir().glob("*.toml"))
    assert {f.name for f in files} == {
        "hazchem-registration-special-2025.toml", "major-hazard-criteria-2017.toml", "key-items-2025.toml"}
    for path in files:
        assert validate_catalogue_file(path) == []
        catalogue = load_catalogue(path)
        assert path.name == catalogue.file_name
    assert [c.id for c in shipped.latest()] == ["hazchem-registration-special", "key-items", "major-hazard-criteria"]


def test_item_ids_are_unique_across_shipped_catalogues(shipped):
    # An inspection keys its items by id alone, so shipped ids never collide.
    ids = [item.id for c in shipped.all() for item in c.items]
    assert len(ids) == len(set(ids))


def seed_table() -> list[list[str]]:
    """The seed's closing table: a cell starts with a tab, a line without one continues the cell,
    a blank line ends the row."""
    lines = source_text(JK_NAME).split("\n")
    rows, row = [], None
    for line in lines[lines.index("相关检查和执法依据") + 1:]:
        if line.startswith("\t"):
            row = row if row is not None else []
            row.append(line[1:])
        elif not line.strip():
            if row is not None:
                rows.append(row)
            row = None
        else:
            row[-1] += "\n" + line
    if row is not None:
        rows.append(row)
    return rows


def test_registration_rows_equal_the_seed_table_character_for_character(shipped):
    header, *rows = seed_table()
    assert header == ["序号", "检查事项", "检查内容", "检查依据", "执法依据"]
    catalogue = shipped.get("hazchem-registration-special", "2025")
    assert len(rows) == 5 and len(catalogue.items) == 5
    for cells, item in zip(rows, catalogue.items):
        assert [str(item.seq), item.matter, item.content, item.check_basis_text, item.enforcement_text] == cells
        assert item.id == f"reg-{item.seq}"
        assert item.nature == "official-row" and not item.major_hazard
        assert JK_NAME in item.source and f"第{item.seq}行" in item.source


def test_registration_citations_are_split_at_the_seeds_line_breaks(shipped):
    reg = shipped.get("hazchem-registration-special")
    assert reg.item("reg-2").check_basis == (
        "《危险化学品安全管理条例》第十五、三十七条",
        "《危险化学品生产企业安全生产许可证实施办法》第二十条",
        "《危险化学品安全使用许可证实施办法》第十八条",
    )
    five = reg.item("reg-5")
    assert five.enforcement_refs == ("reg-1", "reg-2", "reg-3")
    assert five.enforcement_note == "本表第1、2、3事项所列执法依据"
    assert all("本表" not in c for c in five.enforcement_basis)
    effective = five.effective_enforcement_basis(reg)
    assert effective[:2] == five.enforcement_basis
    assert "《危险化学品登记管理办法》第二十九、三十条" in effective
    assert effective.count("《危险化学品安全管理条例》第七十八条") == 1  # rows 2 and 3 share it


def test_registration_scope_and_targets_follow_the_seed(shipped):
    reg = shipped.get("hazchem-registration-special")
    assert reg.status == "official" and reg.year == 2025
    assert "基础化学原料制造" in reg.scope and "回头看" in reg.scope
    assert set(reg.item("reg-1").kinds) == {"production", "import"}
    assert {"trading", "use", "production"} <= set(reg.item("reg-2").kinds)
    for row in ("reg-4", "reg-5"):
        assert reg.item(row).industries == ("基础化学原料制造",)


def enforcement_major_hazards() -> list[str]:
    text = source_text("enforcement.md")
    section = text.split("\n## 2. ", 1)[1].split("\n## 3. ", 1)[0]
    found = re.findall(r"^(\d+)\. (.+)$", section, flags=re.M)
    assert [int(n) for n, _ in found] == list(range(1, 21))
    return [situation for _, situation in found]


def test_major_hazards_equal_enforcement_md_and_are_all_major(shipped):
    catalogue = shipped.get("major-hazard-criteria")
    assert catalogue.version == "2017" and catalogue.status == "official"
    situations = enforcement_major_hazards()
    assert [item.content for item in catalogue.items] == situations
    for n, item in enumerate(catalogue.items, start=1):
        assert item.major_hazard
        assert item.seq == n and item.id == f"mh-{n}"
        assert item.matter == f"重大隐患判定标准第{n}项"
        assert item.check_basis == (f"《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第{n}项",)
        assert item.enforcement_basis == ("《安全生产法》第六十五条（三）、第一百零二条",)
        assert item.section == ("人员" if n <= 2 else "设备设施" if n <= 15 else "安全管理")
        assert set(item.kinds) >= {"production", "trading-storage", "storage", "use", "chemical",
                                   "pharmaceutical", "gas-filling"}
        assert "enforcement.md" in item.source


def test_frame_catalogue_holds_only_plan_themes_quoted_from_the_seeds(shipped):
    frame = shipped.get("key-items", "2025")
    assert frame.status == "frame"
    assert "框架" in frame.title and "inspector catalogue import" in frame.scope
    seeds = {JK_NAME: source_text(JK_NAME), LF_NAME: source_text(LF_NAME)}
    for item in frame.items:
        assert item.nature == "plan-theme" and not item.major_hazard
        named = sorted((name for name in seeds if name in item.source), key=item.source.index)
        assert named, f"{item.id}: source names no seed"
        assert item.content in seeds[named[0]], f"{item.id}: content is not the first named seed's words"
        assert any(item.matter in seeds[n] for n in named), item.id
        assert any(item.section in seeds[n] for n in named), item.id
        for citation in item.check_basis:  # only standards the seeds themselves name
            title = re.match(r"《[^》]+》", citation)
            assert any((title.group() if title else citation) in seeds[n] for n in named), citation
    matters = {item.matter for item in frame.items}
    assert {"特殊作业管理", "报警管理", "违章操作", "从业人员资质", "承包商管理", "正规设计", "安全“三同时”",
            "专职安全管理人员配备", "隐患排查整改", "人员持证", "立项和实际不符", "工艺和设备变更",
            "自控仪表投用", "硝酸铵企业", "硝化企业"} == matters
    assert "《危险化学品企业特殊作业安全规范》（GB 30871）" in frame.item("theme-special-work").check_basis
    assert frame.item("theme-ammonium-nitrate").check_basis == ("《硝酸铵企业安全技术规范》（GB44022-2024）",)


# --- the loader's API ---

def test_catalogue_set_keeps_versions_and_later_folders_win(tmp_path, shipped):
    reg = shipped.get("hazchem-registration-special")
    older, newer, override = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write(older, reg_data(version="2024", year=2024))
    write(older, reg_data(version="2025.10"))
    write(newer, reg_data(version="2025.9"))
    changed = reg_data(version="2024", year=2024)
    changed["title"] = "replaced"
    write(override, changed)
    catalogues = load_catalogues(older, newer, override, tmp_path / "missing")
    assert [c.version for c in catalogues.all()] == ["2024", "2025.9", "2025.10"]
    assert catalogues.get("hazchem-registration-special").version == "2025.10"
    assert catalogues.get("hazchem-registration-special", "2024").title == "replaced"
    assert catalogues.get("nothing") is None and catalogues.get(reg.id, "1999") is None
    assert [c.version for c in catalogues.latest()] == ["2025.10"]
    assert version_key("2025") < version_key("2025.1") < version_key("2025.9") < version_key("2025.10")


def test_item_lookup(shipped):
    catalogue, item = shipped.locate("mh-7")
    assert catalogue.id == "major-hazard-criteria" and item.seq == 7
    assert shipped.item("reg-3", "hazchem-registration-special").matter == "储存场所安全警示标志"
    for args, code in ((("nope",), "catalogue.unknown_item"),
                       (("reg-1", "major-hazard-criteria"), "catalogue.unknown_item"),
                       (("reg-1", "nope"), "catalogue.unknown_catalogue")):
        with pytest.raises(CatalogueError) as caught:
            shipped.item(*args)
        assert caught.value.code == code and caught.value.exit_code == 2


def test_ambiguous_item_lookup_asks_for_the_catalogue(tmp_path):
    a, b = reg_data(), reg_data()
    b["id"] = "other"
    write(tmp_path, a)
    write(tmp_path, b)
    with pytest.raises(CatalogueError) as caught:
        load_catalogues(tmp_path).item("reg-1")
    assert caught.value.code == "catalogue.ambiguous_item"
    assert load_catalogues(tmp_path).item("reg-1", "other").id == "reg-1"


def test_selection_reads_the_shipped_applicability(shipped):
    from inspector_app.domain.selection import select_items

    basic = EnterpriseProfile(kind="production", industry="基础化学原料制造")
    trader = EnterpriseProfile(kind="trading")
    reg = [shipped.get("hazchem-registration-special")]
    assert [s.item.id for s in select_items(reg, basic)] == ["reg-1", "reg-2", "reg-3", "reg-4", "reg-5"]
    assert [s.item.id for s in select_items(reg, trader)] == ["reg-2", "reg-3"]
    mh = [shipped.get("major-hazard-criteria")]
    assert "mh-3" not in [s.item.id for s in select_items(mh, EnterpriseProfile(kind="use"))]
    key = EnterpriseProfile(kind="use", major_hazard_sources=(MajorHazardSource("罐区", "一级"),))
    assert len(select_items(mh, key)) == 20


# --- bad input: one specific error each, naming file, item and field ---

def reg_data(**top) -> dict:
    """A small valid catalogue as TOML data."""
    data = {
        "format": 1, "id": "hazchem-registration-special", "version": "2025", "year": 2025,
        "title": "t", "issuer": "i", "source": "s", "scope": "sc", "status": "official",
        "items": [
            {"id": "reg-1", "seq": 1, "section": "", "matter": "m1", "content": "c1",
             "check_basis": ["《A》第1条"], "enforcement_basis": ["《A》第9条"], "enforcement_refs": [],
             "kinds": ["production"], "major_hazard": False, "nature": "official-row", "source": "x 第1行"},
            {"id": "reg-2", "seq": 2, "section": "", "matter": "m2", "content": "c2",
             "check_basis": ["《B》第2条"], "enforcement_basis": [], "enforcement_refs": ["reg-1"],
             "enforcement_note": "本表第1事项所列执法依据",
             "kinds": ["*"], "major_hazard": False, "nature": "official-row", "source": "x 第2行"},
            {"id": "reg-3", "seq": 3, "section": "", "matter": "m3", "content": "c3",
             "check_basis": ["《C》第3条"], "enforcement_basis": ["《C》第9条"], "enforcement_refs": [],
             "kinds": ["use", "trading"], "major_hazard": False, "nature": "official-row", "source": "x 第3行"},
        ],
    }
    data.update(top)
    return data


def write(folder: Path, data: dict, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{data['id']}-{data['version']}.toml")
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def only_error(path: Path) -> CatalogueError:
    problems = validate_catalogue_file(path)
    assert len(problems) == 1, [p.text() for p in problems]
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.code == problems[0].code and caught.value.params == problems[0].params
    return problems[0]


def assert_names(error: CatalogueError, path: Path, index: int, item: str, field: str) -> None:
    assert error.params["file"] == str(path)
    assert (error.params["index"], error.params["item"], error.params["field"]) == (index, item, field)
    zh, en = error.text("zh"), error.text("en")
    assert f"{path} 第{index}项（{item}）" in zh and f"字段 {field}" in zh, zh
    assert f"item {index} ({item})" in en and field in en, en
    assert error.exit_code == 1


def mutate(change) -> dict:
    data = copy.deepcopy(reg_data())
    change(data)
    return data


ITEM_CASES = {
    # name: (change, code, item index, item id, field)
    "missing field": (lambda d: d["items"][2].pop("content"), "catalogue.item_missing_field", 3, "reg-3", "content"),
    "string not list": (lambda d: d["items"][2].update(check_basis="《C》第3条"),
                        "catalogue.item_wrong_type", 3, "reg-3", "check_basis"),
    "number in list": (lambda d: d["items"][0].update(check_basis=["《A》", 5]),
                       "catalogue.item_wrong_type", 1, "reg-1", "check_basis"),
    "seq as text": (lambda d: d["items"][1].update(seq="2"), "catalogue.item_wrong_type", 2, "reg-2", "seq"),
    "duplicate id": (lambda d: d["items"][2].update(id="reg-1"), "catalogue.duplicate_item", 3, "reg-1", "id"),
    "dangling ref": (lambda d: d["items"][1].update(enforcement_refs=["reg-9"]),
                     "catalogue.dangling_ref", 2, "reg-2", "enforcement_refs"),
    "unknown kind": (lambda d: d["items"][2].update(kinds=["use", "factory"]),
                     "catalogue.unknown_kind", 3, "reg-3", "kinds"),
    "official row without basis": (lambda d: d["items"][1].update(check_basis=[]),
                                   "catalogue.empty_check_basis", 2, "reg-2", "check_basis"),
    "unknown field": (lambda d: d["items"][0].update(colour="red"),
                      "catalogue.item_unknown_field", 1, "reg-1", "colour"),
    "bad nature": (lambda d: d["items"][0].update(nature="rumour"), "catalogue.item_bad_value", 1, "reg-1", "nature"),
    "bad requirement": (lambda d: d["items"][0].update(requires=["luck"]),
                        "catalogue.item_bad_value", 1, "reg-1", "requires"),
    "empty matter": (lambda d: d["items"][0].update(matter="  "), "catalogue.item_empty_value", 1, "reg-1", "matter"),
    "no kinds": (lambda d: d["items"][0].update(kinds=[]), "catalogue.item_empty_value", 1, "reg-1", "kinds"),
}


@pytest.mark.parametrize("case", sorted(ITEM_CASES))
def test_bad_item_gets_its_own_error(tmp_path, case):
    change, code, index, item, field = ITEM_CASES[case]
    path = write(tmp_path, mutate(change))
    error = only_error(path)
    assert error.code == code
    assert_names(error, path, index, item, field)


def test_wrong_type_says_what_was_expected(tmp_path):
    path = write(tmp_path, mutate(lambda d: d["items"][2].update(check_basis="《C》第3条")))
    assert only_error(path).text("zh") == (
        f'目录文件 {path} 第3项（reg-3）字段 check_basis：类型不对，应写成 ["《……》第N条", "《……》第M条"] 的形式，'
        f'实为 "《C》第3条"')


def test_item_without_id_is_named_by_position(tmp_path):
    path = write(tmp_path, mutate(lambda d: d["items"][1].pop("id")))
    problems = validate_catalogue_file(path)
    # the missing id, and reg-3's reference-free catalogue still loads nothing
    assert problems[0].code == "catalogue.item_missing_field"
    assert (problems[0].params["index"], problems[0].params["item"]) == (2, "?")


def test_plan_theme_may_have_no_basis(tmp_path):
    data = mutate(lambda d: d["items"][1].update(check_basis=[], nature="plan-theme"))
    assert validate_catalogue_file(write(tmp_path, data)) == []


TOP_CASES = {
    "missing title": (lambda d: d.pop("title"), "catalogue.missing_field", "title"),
    "year as text": (lambda d: d.update(year="2025"), "catalogue.wrong_type", "year"),
    "bad status": (lambda d: d.update(status="draft"), "catalogue.bad_value", "status"),
    "unknown field": (lambda d: d.update(author="me"), "catalogue.unknown_field", "author"),
    "no items": (lambda d: d.update(items=[]), "catalogue.empty_value", "items"),
    "items not tables": (lambda d: d.update(items=["reg-1"]), "catalogue.wrong_type", "items"),
}


@pytest.mark.parametrize("case", sorted(TOP_CASES))
def test_bad_top_level_field_gets_its_own_error(tmp_path, case):
    change, code, field = TOP_CASES[case]
    path = write(tmp_path, mutate(change), name="hazchem-registration-special-2025.toml")
    error = only_error(path)
    assert (error.code, error.params["file"], error.params["field"]) == (code, str(path), field)
    assert str(path) in error.text("zh") and field in error.text("zh") and field in error.text("en")


def test_every_problem_of_a_file_is_listed_once(tmp_path):
    def change(d):
        d.pop("scope")
        d["items"][0]["kinds"] = ["factory"]
        d["items"][1]["enforcement_refs"] = ["reg-7"]
        d["items"][2]["check_basis"] = "text"
        d["items"][2]["seq"] = "3"
    problems = validate_catalogue_file(write(tmp_path, mutate(change)))
    assert [(p.code, p.params.get("index"), p.params["field"]) for p in problems] == [
        ("catalogue.missing_field", None, "scope"),
        ("catalogue.unknown_kind", 1, "kinds"),
        ("catalogue.dangling_ref", 2, "enforcement_refs"),
        ("catalogue.item_wrong_type", 3, "seq"),  # within an item, fields in schema order
        ("catalogue.item_wrong_type", 3, "check_basis"),
    ]
    assert all("\n" not in p.text("zh") for p in problems)  # one line each for `catalogue validate`


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "hazchem-registration-special-2025.toml"
    path.write_text('format = 1\nid = "x"\ntitle = "unterminated\nyear = 2025\n', encoding="utf-8")
    error = only_error(path)
    assert error.code == "catalogue.invalid_toml"
    assert error.params["line"] == 3 and str(path) in error.text("zh") and "第3行" in error.text("zh")


def test_invalid_toml_at_end_of_document_names_the_last_line(tmp_path):
    path = tmp_path / "x-1.toml"
    path.write_text('format = 1\nid = "x', encoding="utf-8")
    assert only_error(path).params["line"] == 2


@pytest.mark.parametrize("encoding, words", [("latin-1", "Gefährliche Stoffe"), ("gbk", "危险化学品登记")])
def test_bad_encoding_names_the_line(tmp_path, encoding, words):
    # A file edited in a Latin-1 or GBK editor: that line's bytes are not UTF-8.
    lines = tomli_w.dumps(reg_data()).split("\n")
    line = lines.index('matter = "m2"') + 1
    lines[line - 1] = f'matter = "{words}"'
    raw = b"\n".join(l.encode(encoding if n == line else "utf-8") for n, l in enumerate(lines, start=1))
    path = tmp_path / "hazchem-registration-special-2025.toml"
    path.write_bytes(raw)
    error = only_error(path)
    assert error.code == "catalogue.bad_encoding"
    assert error.params["line"] == line and f"{path} 第{line}行" in error.text("zh") and "UTF-8" in error.text("en")


def test_utf8_with_bom_is_accepted(tmp_path):
    path = write(tmp_path, reg_data())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_catalogue(path).id == "hazchem-registration-special"


def test_file_name_must_match_id_and_version(tmp_path):
    path = write(tmp_path, reg_data(), name="registration.toml")
    error = only_error(path)
    assert error.code == "catalogue.file_name"
    assert "hazchem-registration-special-2025.toml" in error.text("zh")


def test_newer_format_asks_for_a_newer_program(tmp_path):
    path = write(tmp_path, reg_data(format=2, future_field=True))
    assert only_error(path).code == "catalogue.unsupported_format"


def test_missing_file_is_bad_usage(tmp_path):
    error = only_error(tmp_path / "nothing-1.toml")
    assert error.code == "catalogue.not_found" and error.exit_code == 2


def test_a_bad_file_in_a_folder_raises_or_is_skipped_when_asked(tmp_path):
    write(tmp_path, reg_data())
    bad = write(tmp_path, mutate(lambda d: d.update(id="broken", title=5)))
    with pytest.raises(CatalogueError):
        load_catalogues(tmp_path)
    errors: list[CatalogueError] = []
    catalogues = load_catalogues(tmp_path, errors=errors)
    assert [c.id for c in catalogues.all()] == ["hazchem-registration-special"]
    assert [(e.code, e.params["file"]) for e in errors] == [("catalogue.wrong_type", str(bad))]


def test_catalogue_messages_have_the_same_placeholders_in_both_languages():
    import inspector_app.domain.catalogue_import  # noqa: F401  (defines the import codes)

    ours = {code: m for code, m in messages.catalogue().items() if code.startswith("catalogue.")}
    assert len(ours) >= 20
    for message in ours.values():
        assert message.placeholders("zh") == message.placeholders("en"), message.code


def test_kinds_used_by_shipped_catalogues_are_known(shipped):
    for catalogue in shipped.all():
        for item in catalogue.items:
            assert set(item.kinds) <= set(KINDS) | {"*"}


def test_catalogue_equality_ignores_where_it_was_read(shipped):
    catalogue = shipped.get("hazchem-registration-special")
    assert isinstance(catalogue, Catalogue) and catalogue.path is not None
    from dataclasses import replace

    assert replace(catalogue, path=None) == catalogue
