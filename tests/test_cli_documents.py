"""`inspector doc render`: numbers issued once per record and kind, recorded in the audit chain,
settings required, drafts unnumbered; the PDFs read back with poppler."""
import subprocess

import pytest

from test_cli_flow import _key_production_enterprise, _new

COUNTY = {"county_name": "青禾县", "bureau_name": "青禾县应急管理局", "short_name": "青",
          "reconsideration_body": "青禾县人民政府", "court": "青禾县人民法院"}


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def signed(demo_cli):
    code = _key_production_enterprise(demo_cli)
    inspection = _new(demo_cli, code)
    demo_cli("inspection", "result", inspection, "reg-3", "compliant")
    demo_cli("finding", "add", inspection, "--item", "reg-1", "--grade", "general", "--deadline", "2099-03-31",
             "--text", "未建立危险化学品管理档案")
    record = demo_cli.json("inspection", "sign", inspection)["record"]
    return demo_cli, inspection, record


def test_a_missing_setting_is_named_and_spends_no_number(signed, tmp_path):
    cli, inspection, record = signed
    out = tmp_path / "order.pdf"
    _, _, err = cli("doc", "render", "rectify-order", record, "-o", str(out), expect=1)
    assert "县区名称" in err and not out.exists()
    assert not [e for e in cli.json("audit", "list") if e["action"] == "number"]


def test_numbers_are_issued_once_and_audited_and_the_review_cites_the_order(signed, tmp_path):
    cli, inspection, record = signed
    for key, value in COUNTY.items():
        cli("settings", "set", key, value)
    cli("settings", "set", "device_slot", "7")
    first = cli.json("doc", "render", "rectify-order", record, "-o", str(tmp_path / "a.pdf"))
    again = cli.json("doc", "render", "rectify-order", inspection, "-o", str(tmp_path / "b.pdf"))
    assert first["number"] == again["number"] == "（青）应急责改〔%s〕70001号" % first["number"][8:12]
    check = cli.json("doc", "render", "check-record", record, "-o", str(tmp_path / "c.pdf"))
    assert check["number"].startswith("（青）应急检记〔") and check["number"].endswith("70001号")
    text = _text(tmp_path / "a.pdf")
    assert first["number"] in text and "未建立危险化学品管理档案" in text and "青禾县人民政府" in text
    review = cli.json("doc", "render", "review-opinion", record, "-o", str(tmp_path / "r.pdf"))
    assert first["number"] in "".join(_text(tmp_path / "r.pdf").split()) and review["number"].startswith("（青）应急复查")
    numbered = [e for e in cli.json("audit", "list") if e["action"] == "number"]
    assert [e["detail"]["number"] for e in numbered] == [first["number"], check["number"], review["number"]]
    printed = [e for e in cli.json("audit", "list") if e["action"] == "print"]
    assert len(printed) == 4


def test_a_draft_is_marked_and_unnumbered(signed, tmp_path, demo_cli):
    cli, _, _ = signed
    for key, value in COUNTY.items():
        cli("settings", "set", key, value)
    code = _key_production_enterprise(cli)
    draft = _new(cli, code)
    result = cli.json("doc", "render", "check-record", draft, "--draft", "-o", str(tmp_path / "d.pdf"))
    assert result["draft"] is True and result["number"] is None
    assert "草稿" in _text(tmp_path / "d.pdf")
    _, _, err = cli("doc", "render", "check-record", draft, "-o", str(tmp_path / "e.pdf"), expect=1)
    assert "尚未签名" in err


def test_settings_refuse_unknown_keys_and_bad_slots(cli):
    _, _, err = cli("settings", "set", "colour", "red", expect=2)
    assert "未知设置项 colour" in err
    _, _, err = cli("settings", "set", "device_slot", "500", expect=2)
    assert "设备序号 500 无效" in err
