"""逢查必考: question banks imported from a table, reproducible papers, scores in the signed record."""
import pytest
from openpyxl import Workbook

from inspector_app.domain import quiz
from inspector_app.domain.messages import InspectorError
from test_cli_flow import _key_production_enterprise, _new


@pytest.fixture
def bank_table(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["某省危险化学品企业主要负责人考试题库（测试）"])
    ws.append(["题号", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "适用对象", "来源"])
    ws.append([1, "测试题一", "甲", "乙", "丙", "丁", "b", "主要负责人", "测试来源"])
    ws.append([2, "测试题二", "甲", "乙", "丙", None, "A、C", "安全管理人员", None])
    ws.append([3, "测试题三（判断）", None, None, None, None, "√", "全部", None])
    ws.append([4, "测试题四", "甲", "乙", None, None, "A", "", None])
    path = tmp_path / "题库.xlsx"
    wb.save(path)
    return path


def test_import_reads_options_answers_and_roles(bank_table):
    bank = quiz.import_bank_table(bank_table, bank_id="prov", version="2026", title="t", source="s")
    q1, q2, q3, q4 = bank.questions
    assert (q1.answer, q1.options, q1.roles) == ("B", ("A. 甲", "B. 乙", "C. 丙", "D. 丁"), ("principal",))
    assert q2.answer == "AC" and q2.roles == ("safety-manager",) and q2.source == "题库.xlsx 第4行"
    assert (q3.answer, q3.options, q3.roles) == ("对", ("对", "错"), ())
    assert [q.id for q in bank.for_role("principal")] == ["prov-1", "prov-3", "prov-4"]


def test_an_answer_that_is_not_an_option_names_the_row(bank_table, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(bank_table)
    wb.active["G4"] = "E"
    wb.save(bank_table)
    with pytest.raises(InspectorError) as err:
        quiz.import_bank_table(bank_table, bank_id="prov", version="2026", title="t", source="s")
    assert "第4行" in err.value.text() and "答案" in err.value.text()


def test_papers_are_reproducible_and_scored(bank_table):
    bank = quiz.import_bank_table(bank_table, bank_id="prov", version="2026", title="t", source="s")
    first = quiz.draw_paper(bank, "principal", 2, seed=7)
    assert first == quiz.draw_paper(bank, "principal", 2, seed=7)
    assert {tuple(q.id for q in quiz.draw_paper(bank, "principal", 2, seed=s)) for s in range(30)} != {tuple(q.id for q in first)}
    assert quiz.grade(first, [q.answer.lower() for q in first]) == 2
    assert quiz.passed(3, 5, 60) and not quiz.passed(2, 5, 60)
    with pytest.raises(InspectorError):
        quiz.draw_paper(bank, "principal", 4, seed=1)
    with pytest.raises(InspectorError):
        quiz.grade(first, ["A"])


def test_the_quiz_goes_into_the_signed_record(demo_cli, bank_table, tmp_path):
    demo_cli("quiz", "import", str(bank_table), "--id", "prov", "--version", "2026", "--title", "测试题库",
             "--source", "测试")
    assert {b["bank"] for b in demo_cli.json("quiz", "list")} == {"prov@2026", "demo-major-hazards@1"}
    inspection = _new(demo_cli, _key_production_enterprise(demo_cli))
    paper = demo_cli.json("quiz", "draw", inspection, "--name", "张三", "--role", "principal", "--questions", "2",
                          "--bank", "prov", "--seed", "3")
    answers = {q.id: a for q, a in zip(quiz.import_bank_table(bank_table, bank_id="prov", version="2026",
                                                                  title="t", source="s").questions, "B,AC,对,A".split(","))}
    given = ",".join(answers[q["id"]] for q in paper["questions"])
    scored = demo_cli.json("quiz", "answer", inspection, "--name", "张三", "--answers", given)
    assert scored["correct"] == 2 and scored["passed"] is True
    demo_cli("quiz", "draw", inspection, "--name", "李四", "--role", "principal", "--questions", "1", "--bank", "prov")
    demo_cli("inspection", "result", inspection, "reg-3", "compliant")
    record = demo_cli.json("inspection", "sign", inspection)["record"]
    bundle = tmp_path / "b.zip"
    demo_cli("export", record, "-o", str(bundle))
    import json
    import zipfile

    payload = json.loads(zipfile.ZipFile(bundle).read("record.json"))
    assert payload["quiz"]["bank"] == "prov@2026"
    assert [p["name"] for p in payload["quiz"]["persons"]] == ["张三"]  # 李四 drew a paper but did not answer
    assert payload["quiz"]["persons"][0]["paper"] == [q["id"] for q in paper["questions"]]
    _, _, err = demo_cli("quiz", "answer", inspection, "--name", "张三", "--answers", "A,A", expect=1)
    assert "已签名" in err
