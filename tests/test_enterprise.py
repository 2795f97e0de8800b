"""Unified social credit codes (GB 32100-2015) and the enterprise registry through the CLI."""
import pytest

from inspector_app.demo import demo_enterprises
from inspector_app.domain.enterprise import uscc_check_char, validate_uscc
from inspector_app.domain.messages import InspectorError

# The example code printed in GB 32100-2015.
REAL_CODES = ["91350100M000100Y43"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code):
    assert validate_uscc(code.lower()) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_wrong_check_digit_is_refused(code):
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if c == code[-1]:
            continue
        with pytest.raises(InspectorError) as err:
            validate_uscc(code[:17] + c)
        assert err.value.code == "enterprise.bad_code"
        assert f"校验码应为 {code[-1]}" in err.value.text()


@pytest.mark.parametrize("bad, reason", [("9135010", "应为18位"), ("91350100M000100YI3", "非法字符 I")])
def test_malformed_codes_name_the_problem(bad, reason):
    with pytest.raises(InspectorError) as err:
        validate_uscc(bad)
    assert reason in err.value.text()


def test_check_char_matches_known_code():
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_demo_county_is_fictional_valid_and_covers_every_kind():
    from inspector_app.domain.enterprise import KINDS

    county = demo_enterprises()
    assert len(county) >= 24
    assert {e.kind for e in county} == set(KINDS)
    assert len({e.code for e in county}) == len(county)
    for e in county:
        assert validate_uscc(e.code) == e.code
        assert e.name.startswith("（演示）")
    assert any(e.profile().is_key for e in county) and any(not e.profile().is_key for e in county)


def test_add_show_and_refuse_wrong_check_digit(cli):
    code = "91350100M000100Y43"
    cli("enterprise", "add", "--code", code, "--name", "（测试）某化工有限公司", "--address", "某路1号",
        "--kind", "production", "--major-hazard", "液氯罐区:二级", "--key-process", "氯化工艺")
    shown = cli.json("enterprise", "show", code)
    assert shown["name"] == "（测试）某化工有限公司"
    assert shown["two_key_one_major"] is True
    assert shown["major_hazard_sources"] == [{"name": "液氯罐区", "grade": "二级"}]
    code_bad = code[:17] + "4"
    _, out, err = cli("enterprise", "add", "--code", code_bad, "--name", "x", "--address", "y", "--kind",
                      "production", expect=2)
    assert "统一社会信用代码" in err and code_bad in err and "校验码应为 3" in err
    assert "Traceback" not in err
    assert [e["code"] for e in cli.json("enterprise", "list")] == [code]


def test_unknown_enterprise_and_kind_are_usage_errors(cli):
    _, _, err = cli("enterprise", "show", "91350100M000100Y43", expect=2)
    assert "未找到统一社会信用代码为 91350100M000100Y43 的企业" in err
    _, _, err = cli("enterprise", "add", "--code", "91350100M000100Y43", "--name", "x", "--address", "y",
                    "--kind", "bakery", expect=2)
    assert "企业类型 bakery 未知" in err


def test_search_as_you_type(demo_cli):
    everyone = demo_cli.json("enterprise", "list", "--limit", "500")
    target = everyone[7]
    # A fragment of three or more characters goes through the FTS5 trigram index …
    fragment = target["name"][5:9]
    hits = demo_cli.json("enterprise", "list", "-q", fragment)
    assert target["code"] in [h["code"] for h in hits]
    assert all(fragment in h["name"] or fragment in h["address"] for h in hits)
    # … one or two characters through a scan; a code prefix finds by code.
    two = target["name"][5:7]
    assert target["code"] in [h["code"] for h in demo_cli.json("enterprise", "list", "-q", two, "--limit", "500")]
    assert [h["code"] for h in demo_cli.json("enterprise", "list", "-q", target["code"])] == [target["code"]]
    assert demo_cli.json("enterprise", "list", "-q", "不存在的名字") == []
    # FTS operators typed by a person are text, not syntax.
    assert demo_cli.json("enterprise", "list", "-q", 'AND "OR (') == []
