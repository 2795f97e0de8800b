"""The inspection flow through the `inspector` command, as a script or a power user drives it."""
import json
import sqlite3

import pytest
from PIL import Image

from conftest import run_script


def _key_production_enterprise(cli) -> str:
    everyone = cli.json("enterprise", "list", "--limit", "500")
    return next(e["code"] for e in everyone if e["kind"] == "production" and e["two_key_one_major"])


def _new(cli, code, *extra) -> str:
    return cli.json("inspection", "new", "--enterprise", code, "--inspectors", "DEMO-0001,DEMO-0002", *extra)["id"]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "scene.jpg"
    Image.new("RGB", (640, 480), (180, 40, 40)).save(path, quality=90)
    return path


def test_selection_puts_major_hazard_items_in_scope_for_key_enterprises(demo_cli):
    everyone = demo_cli.json("enterprise", "list", "--limit", "500")
    key = next(e for e in everyone if e["two_key_one_major"])
    trader = next(e for e in everyone if e["kind"] == "trading" and not e["two_key_one_major"])
    key_items = demo_cli.json("inspection", "show", _new(demo_cli, key["code"]))["items"]
    trader_items = demo_cli.json("inspection", "show", _new(demo_cli, trader["code"]))["items"]
    assert {f"mh-{n}" for n in range(1, 21)} <= {i["item"] for i in key_items}
    assert not any(i["major_hazard"] for i in trader_items if i["item"] not in ("mh-1",))
    # catalogue order is kept, catalogue by catalogue
    mh = [i["seq"] for i in key_items if i["catalogue"] == "major-hazard-criteria"]
    assert mh == sorted(mh)
    assert {i["version"] for i in key_items if i["catalogue"] == "major-hazard-criteria"} == {"2017"}


def test_repeat_offence_and_self_reported_findings(demo_cli):
    code = _key_production_enterprise(demo_cli)
    first = _new(demo_cli, code)
    f1 = demo_cli.json("finding", "add", first, "--item", "reg-1", "--grade", "general", "--deadline",
                       "2099-01-31", "--text", "未建立危险化学品管理档案")
    assert f1["repeat_offence"] is False
    second = _new(demo_cli, code)
    again = demo_cli.json("finding", "add", second, "--item", "reg-1", "--grade", "general", "--text", "仍未建档")
    other = demo_cli.json("finding", "add", second, "--item", "reg-3", "--grade", "general", "--text", "标志缺失",
                          "--self-reported")
    assert again["repeat_offence"] is True and again["repeat_of"] == [f1["id"]]
    assert other["repeat_offence"] is False and other["self_reported"] is True
    # the enterprise file shows the history with the repeat offence marked
    _, out, _ = demo_cli("enterprise", "show", code)
    assert "【屡查屡犯】" in out and "仍未建档" in out
    # another enterprise's history is not this one's
    others = [e["code"] for e in demo_cli.json("enterprise", "list", "--limit", "500")
              if e["kind"] == "production" and e["code"] != code]
    third = _new(demo_cli, others[0])
    assert demo_cli.json("finding", "add", third, "--item", "reg-1", "--grade", "general",
                         "--text", "x")["repeat_offence"] is False


def test_sign_export_verify_and_the_record_never_changes(demo_cli, photo, tmp_path, data_dir):
    code = _key_production_enterprise(demo_cli)
    inspection = _new(demo_cli, code)
    _, _, err = demo_cli("inspection", "sign", inspection, expect=1)
    assert "尚不能签名" in err and "尚未检查任何项目" in err
    demo_cli("inspection", "result", inspection, "reg-3", "compliant")
    demo_cli("inspection", "result", inspection, "mh-12", "violation")
    _, _, err = demo_cli("inspection", "sign", inspection, expect=1)
    assert "mh-12" in err and "未登记隐患" in err
    sha = demo_cli.json("evidence", "import", str(photo), "--inspection", inspection)[0]["sha256"]
    demo_cli("finding", "add", inspection, "--item", "mh-12", "--grade", "major", "--text",
             "储罐区未设置可燃气体检测报警装置", "--evidence", sha)
    record = demo_cli.json("inspection", "sign", inspection)["record"]
    assert len(record) == 64
    shown = demo_cli.json("inspection", "show", inspection)
    assert shown["status"] == "signed" and shown["record"] == record

    _, _, err = demo_cli("inspection", "result", inspection, "reg-2", "compliant", expect=1)
    assert "已签名" in err and "更正" in err
    _, _, err = demo_cli("finding", "add", inspection, "--item", "reg-2", "--grade", "general", "--text", "x", expect=1)
    assert "已签名" in err

    bundle = tmp_path / "bundle.zip"
    demo_cli("export", inspection, "-o", str(bundle))
    code_, out, _ = demo_cli("verify", str(bundle))
    assert "真实" in out and "GENUINE" in out
    # the verifier needs no app data: a separate process, another (empty) data dir
    proc = run_script("inspector", "--data-dir", str(tmp_path / "elsewhere"), "verify", str(bundle))
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # a correction is a new record that amends the first; the chain verifies
    amended = demo_cli.json("amend", record, "--reason", "隐患描述笔误")["id"]
    demo_cli("inspection", "result", amended, "reg-2", "compliant")
    second = demo_cli.json("inspection", "sign", amended)["record"]
    chain_bundle = tmp_path / "chain.zip"
    demo_cli("export", second, "-o", str(chain_bundle))
    _, out, _ = demo_cli("verify", str(chain_bundle))
    assert "更正链 1 条" in out

    # the store refuses to alter a signed record, whatever the code path
    db = sqlite3.connect(data_dir / "inspector.db")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE records SET payload = x'00'")
    db.close()

    audit = demo_cli.json("audit", "verify")
    assert audit["ok"] is True and audit["entries"] > 5
    actions = [e["action"] for e in demo_cli.json("audit", "list")]
    assert {"import", "edit", "sign", "export"} <= set(actions)


def test_the_audit_chain_notices_tampering(demo_cli, data_dir):
    code = _key_production_enterprise(demo_cli)
    inspection = _new(demo_cli, code)
    demo_cli("inspection", "result", inspection, "reg-3", "compliant")
    demo_cli("inspection", "sign", inspection)
    db = sqlite3.connect(data_dir / "inspector.db")
    db.execute("DROP TRIGGER audit_no_update")  # what an attacker with the file could do
    entry = json.loads(db.execute("SELECT entry FROM audit WHERE seq = 3").fetchone()[0])
    entry["subject"] = "something else"
    db.execute("UPDATE audit SET entry = ? WHERE seq = 3", (json.dumps(entry),))
    db.commit()
    db.close()
    code_, out, err = demo_cli("audit", "verify", expect=1)
    assert "第 3 条" in out


@pytest.mark.parametrize("args, expected", [
    (["inspection", "result", "{id}", "no-such-item", "compliant"], "没有检查项 no-such-item"),
    (["inspection", "result", "{id}", "reg-1", "maybe"], "检查结果 maybe 无效"),
    (["finding", "add", "{id}", "--item", "reg-1", "--grade", "huge", "--text", "x"], "隐患等级 huge 无效"),
    (["finding", "add", "{id}", "--item", "reg-1", "--grade", "general", "--deadline", "2001-01-01", "--text", "x"],
     "应晚于检查日期"),
    (["finding", "add", "{id}", "--item", "reg-1", "--grade", "general", "--deadline", "31/12/2099", "--text", "x"],
     "YYYY-MM-DD"),
    (["inspection", "show", "0000-no-such"], "未找到检查 0000-no-such"),
    (["inspection", "new", "--enterprise", "91350100M000100Y43", "--inspectors", "DEMO-0001,DEMO-0002"],
     "未找到统一社会信用代码为 91350100M000100Y43 的企业"),
    (["inspection", "new", "--enterprise", "{code}", "--inspectors", "DEMO-0001"], "执法人员不少于两名"),
    (["inspection", "new", "--enterprise", "{code}", "--inspectors", "DEMO-0001,DEMO-0009"], "DEMO-0009"),
    (["inspection", "new", "--enterprise", "{code}", "--inspectors", "DEMO-0001,DEMO-0002", "--catalogue", "nope"],
     "没有检查目录 nope"),
    (["catalogue", "show", "zz-9"], "没有检查项 zz-9"),
    (["evidence", "export", "abcdef12", "-o", "/dev/null"], "未找到证据 abcdef12"),
])
def test_bad_input_is_one_clear_line_and_changes_nothing(demo_cli, data_dir, args, expected):
    code = _key_production_enterprise(demo_cli)
    inspection = _new(demo_cli, code)
    before = demo_cli.json("inspection", "show", inspection)
    audit_before = demo_cli.json("audit", "list")
    argv = [a.format(id=inspection, code=code) for a in args]
    exit_code, out, err = demo_cli(*argv, expect=None)
    assert exit_code == 2, (exit_code, err)
    assert expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert demo_cli.json("inspection", "show", inspection) == before
    assert demo_cli.json("audit", "list") == audit_before


def test_the_installed_command_from_a_fresh_data_dir(tmp_path):
    data = tmp_path / "fresh"
    proc = run_script("inspector", "--data-dir", str(data), "catalogue", "validate")
    assert proc.returncode == 0, proc.stderr
    assert "3/3" in proc.stdout
    proc = run_script("inspector", "--data-dir", str(data), "demo", env={"INSPECTOR_PASSPHRASE": "s3cret-demo"})
    assert proc.returncode == 0, proc.stderr
    assert "s3cret-demo" in proc.stdout
    proc = run_script("inspector", "--data-dir", str(data), "--json", "officer", "list")
    officers = json.loads(proc.stdout)
    assert [o["cert"] for o in officers] == ["DEMO-0001", "DEMO-0002"]
    import base64

    assert all(len(base64.b64decode(o["public_key"])) == 32 for o in officers)
    # running it again changes nothing and loses nothing
    proc = run_script("inspector", "--data-dir", str(data), "demo", env={"INSPECTOR_PASSPHRASE": "s3cret-demo"})
    assert proc.returncode == 0, proc.stderr
    proc = run_script("inspector", "--data-dir", str(data), "nonsense-command")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_yearly_catalogue_import_is_one_command_and_versions_coexist(demo_cli, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2026年执法检查重点事项（测试表）"])
    ws.append(["序号", "检查事项", "检查内容", "检查依据", "执法依据"])
    ws.append([1, "主要负责人履职", "主要负责人是否履行法定职责", "《安全生产法》第二十一条",
               "《安全生产法》第九十四条"])
    ws.append([2, "隐患排查", "隐患排查治理情况如实记录", "《安全生产法》第四十一条；\n《X办法》第三条",
               "本表第1事项所列执法依据"])
    table_path = tmp_path / "2026目录.xlsx"
    wb.save(table_path)
    result = demo_cli.json("catalogue", "import", str(table_path), "--id", "key-items", "--version", "2026",
                           "--title", "2026年重点事项（测试）", "--issuer", "测试机关", "--kinds", "production",
                           "--scope", "危险化学品生产企业（测试）")
    assert result["items"] == 2
    listed = {(c["id"], c["version"]) for c in demo_cli.json("catalogue", "list")}
    assert {("key-items", "2025"), ("key-items", "2026")} <= listed
    item = demo_cli.json("catalogue", "show", "key-items-2", "--catalogue", "key-items")
    assert item["check_basis"] == ["《安全生产法》第四十一条", "《X办法》第三条"]
    assert item["enforcement_basis"] == ["《安全生产法》第九十四条"]
    code = _key_production_enterprise(demo_cli)
    old = demo_cli.json("inspection", "show", _new(demo_cli, code, "--catalogue", "key-items@2025"))
    new = demo_cli.json("inspection", "show", _new(demo_cli, code, "--catalogue", "key-items"))
    assert {i["version"] for i in old["items"] if i["catalogue"] == "key-items"} == {"2025"}
    assert {i["version"] for i in new["items"] if i["catalogue"] == "key-items"} == {"2026"}
    assert new["catalogues"] == [{"id": "key-items", "version": "2026", "title": "2026年重点事项（测试）"}]
    _, out, _ = demo_cli("catalogue", "validate")
    assert "4/4" in out


def test_validate_names_file_item_and_field(cli, tmp_path):
    from inspector_app.paths import checklists_dir

    text = (checklists_dir() / "hazchem-registration-special-2025.toml").read_text("utf-8")
    broken = tmp_path / "hazchem-registration-special-2025.toml"
    broken.write_text(text.replace('id = "reg-2"', 'id = "reg-1"'), "utf-8")
    code, out, err = cli("catalogue", "validate", str(broken), expect=1)
    assert "hazchem-registration-special-2025.toml" in err and "reg-1" in err and "重复" in err
    assert "Traceback" not in err
    code, out, err = cli("catalogue", "import", str(broken), "--id", "x", "--title", "t",
                         "--issuer", "i", "--scope", "s", "--version", "2026", expect=None)
    assert code in (1, 2) and "Traceback" not in err and broken.name in err


def test_a_reinspection_closes_findings_it_reviews(demo_cli, tmp_path):
    code = _key_production_enterprise(demo_cli)
    first = _new(demo_cli, code)
    f1 = demo_cli.json("finding", "add", first, "--item", "reg-1", "--grade", "general", "--deadline", "2099-01-31",
                       "--text", "未建立危险化学品管理档案")["id"]
    f2 = demo_cli.json("finding", "add", first, "--item", "reg-3", "--grade", "general", "--deadline", "2099-02-28",
                       "--text", "警示标志缺失")["id"]
    _, _, err = demo_cli("inspection", "review", _new(demo_cli, code), "--finding", f1, "--result", "rectified", expect=1)
    assert "尚未签名" in err
    demo_cli("inspection", "sign", first)
    assert {f["id"] for f in demo_cli.json("finding", "open")} == {f1, f2}
    review = _new(demo_cli, code)
    demo_cli("inspection", "review", review, "--finding", f1, "--result", "rectified", "--note", "已建档")
    demo_cli("inspection", "review", review, "--finding", f2, "--result", "not-rectified")
    # an unsigned review closes nothing yet
    assert {f["id"] for f in demo_cli.json("finding", "open")} == {f1, f2}
    record = demo_cli.json("inspection", "sign", review)["record"]
    assert [f["id"] for f in demo_cli.json("finding", "open", "--enterprise", code)] == [f2]
    bundle = tmp_path / "review.zip"
    demo_cli("export", record, "-o", str(bundle))
    import zipfile

    payload = json.loads(zipfile.ZipFile(bundle).read("record.json"))
    first_record = demo_cli.json("inspection", "show", first)["record"]
    assert payload["reviews"] == [
        {"finding": f1, "record": first_record, "result": "rectified", "note": "已建档"},
        {"finding": f2, "record": first_record, "result": "not-rectified", "note": ""},
    ]
    other = next(e["code"] for e in demo_cli.json("enterprise", "list", "--limit", "500") if e["code"] != code)
    _, _, err = demo_cli("inspection", "review", _new(demo_cli, other), "--finding", f2, "--result", "rectified",
                         expect=2)
    assert "不是本企业的隐患" in err


def test_key_rotation_keeps_old_records_verifiable(demo_cli, tmp_path):
    code = _key_production_enterprise(demo_cli)
    before = {o["cert"]: o["public_key"] for o in demo_cli.json("officer", "list")}
    first = _new(demo_cli, code)
    demo_cli("inspection", "result", first, "reg-3", "compliant")
    old_record = demo_cli.json("inspection", "sign", first)["record"]
    rotated = demo_cli.json("officer", "rotate-key", "DEMO-0001")
    assert rotated["public_key"] != before["DEMO-0001"]
    second = _new(demo_cli, code)
    demo_cli("inspection", "result", second, "reg-3", "compliant")
    new_record = demo_cli.json("inspection", "sign", second)["record"]
    for record, key in ((old_record, before["DEMO-0001"]), (new_record, rotated["public_key"])):
        bundle = tmp_path / f"{record[:8]}.zip"
        demo_cli("export", record, "-o", str(bundle))
        demo_cli("verify", str(bundle))
        import zipfile

        assert json.loads(zipfile.ZipFile(bundle).read("public_keys.json"))["DEMO-0001"] == key
