"""The reproducible random draw (双随机、一公开): the algorithm of docs/draw.md (its test vectors),
the constraints (key enterprises in full, teams of two or more, conflicts of interest, no repeat
team where avoidable), and `inspector draw` re-computing a published draw offline."""
from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import json
from collections import Counter

import pytest

from inspector_app.domain import draw
from inspector_app.domain.messages import InspectorError


def pool(n_enterprises=40, n_key=6, n_inspectors=8):
    return {
        "title": "测试抽查", "period": "2026-Q1", "seed": "2026010503",
        "enterprises": [{"code": f"E{n:03d}", "name": f"企业{n}", "township": ["城关镇", "东山镇"][n % 2],
                         "kind": "storage", "key": n < n_key} for n in range(n_enterprises)],
        "inspectors": [{"cert": f"C{n:02d}", "name": f"执法{n}"} for n in range(n_inspectors)],
        "previous": [], "conflicts": [], "team_size": 2, "sample": {"rate": "0.25"},
    }


DOC_INPUTS = {"title": "示例", "period": "2026-Q1", "seed": "385",
              "enterprises": [{"code": f"E{n}", "name": f"企业{n}", "township": "镇", "kind": "storage", "key": n in (1, 2)}
                              for n in range(1, 9)],
              "inspectors": [{"cert": f"C{n}", "name": f"人{n}"} for n in range(1, 6)],
              "previous": [{"enterprise": "E1", "inspectors": ["C1", "C2"]}],
              "conflicts": [{"cert": "C3", "enterprise": "E2"}], "team_size": 2, "sample": {"rate": "0.5"}}


def test_stream_test_vectors_of_the_docs():
    key = hashlib.sha256(b"test").digest()
    s = draw.DrawStream(key)
    assert [s.word() for _ in range(3)] == [0x944cd9cedda1f479, 0xb7bb46b9ba63d532, 0xebc79d89df06aa96]
    s = draw.DrawStream(key)
    assert [s.below(10) for _ in range(10)] == [9, 8, 2, 9, 3, 1, 0, 0, 0, 2]
    assert draw.DrawStream(key).shuffle(list("ABCDEFGH")) == list("HAGDECFB")
    # the block construction, spelled out
    import hmac

    block0 = hmac.new(key, b"inspector.draw/1" + (0).to_bytes(8, "big"), hashlib.sha256).digest()
    assert int.from_bytes(block0[:8], "big") == 0x944cd9cedda1f479


def test_worked_example_of_the_docs():
    p = draw.publish(DOC_INPUTS)
    assert p["hashes"]["enterprises"] == "aff069442e03494f97b3783a6c95e681e24aeabc1da35c24557e9787147b2def"
    assert p["hashes"]["inputs"] == "906e686ad6f01a8857d58bcb0c721dec2cc92c5a2b763a16f2dd352060e3665b"
    r = p["result"]
    assert [(t["enterprise"], t["inspectors"]) for t in r["key"]] == [("E1", ["C4", "C5"]), ("E2", ["C1", "C2"])]
    assert [(t["enterprise"], t["inspectors"]) for t in r["sampled"]] == [
        ("E5", ["C3", "C2"]), ("E3", ["C5", "C4"]), ("E6", ["C3", "C1"])]
    assert r["stream_words"] == 24


def test_below_is_uniform_and_rejects_the_biased_tail():
    s = draw.DrawStream(hashlib.sha256(b"uniform").digest())
    counts = Counter(s.below(6) for _ in range(6000))
    assert set(counts) == set(range(6)) and all(850 < c < 1150 for c in counts.values())
    # n = 2**63 + 1: about half the words fall in the rejected tail, so more words are read than draws
    s = draw.DrawStream(hashlib.sha256(b"tail").digest())
    for _ in range(50):
        assert s.below(2**63 + 1) <= 2**63
    assert s.consumed > 60


def test_deterministic_and_independent_of_input_order():
    a = draw.publish(pool())
    shuffled = pool()
    shuffled["enterprises"].reverse()
    shuffled["inspectors"].reverse()
    assert draw.publish(shuffled) == a
    other_seed = dict(pool(), seed="2026010504")
    assert draw.publish(other_seed)["result"] != a["result"]


def test_key_enterprises_all_covered_and_ordinary_sampled_by_rate_or_count():
    p = draw.publish(pool())
    r = p["result"]
    assert [t["enterprise"] for t in r["key"]] == [f"E{n:03d}" for n in range(6)]
    assert len(r["sampled"]) == 9  # ceil(34 × 0.25) = 9
    assert not {t["enterprise"] for t in r["sampled"]} & {t["enterprise"] for t in r["key"]}
    assert len({t["enterprise"] for t in r["sampled"]}) == 9
    assert len(draw.publish(dict(pool(), sample={"count": 5}))["result"]["sampled"]) == 5
    assert len(draw.publish(dict(pool(), sample={"count": 500}))["result"]["sampled"]) == 34
    assert draw.publish(dict(pool(), sample={"rate": "0"}))["result"]["sampled"] == []


def test_teams_respect_size_conflicts_and_previous_teams():
    inputs = pool(n_enterprises=12, n_key=12, n_inspectors=6)
    inputs["team_size"] = 3
    inputs["conflicts"] = [{"cert": "C00", "enterprise": "E000"}, {"cert": "C01", "enterprise": "E000"}]
    first = draw.publish(inputs)
    for t in first["result"]["key"]:
        assert len(t["inspectors"]) == 3 == len(set(t["inspectors"]))
    e0 = first["result"]["key"][0]
    assert e0["enterprise"] == "E000" and not {"C00", "C01"} & set(e0["inspectors"])
    # workload is balanced: 12 teams × 3 = 36 places over 6 people
    load = Counter(c for t in first["result"]["key"] for c in t["inspectors"])
    assert max(load.values()) - min(load.values()) <= 2
    # next period: nobody goes back to the same enterprise where that is avoidable (6 people, teams
    # of 3); at E000 two people are excluded, so a repeat may be forced — and is then named
    second = draw.publish(dict(inputs, seed="next", previous=draw.teams(first)))
    before = {t["enterprise"]: set(t["inspectors"]) for t in first["result"]["key"]}
    for t in second["result"]["key"]:
        again = before[t["enterprise"]] & set(t["inspectors"])
        assert set(t["repeated"]) == again
        if t["enterprise"] != "E000":
            assert not again
        else:
            assert len(again) == 3 - (4 - 3)  # 4 eligible, 3 of them went last time: 2 must go again


def test_an_unavoidable_repeat_is_named_and_an_impossible_team_refused():
    inputs = pool(n_enterprises=1, n_key=1, n_inspectors=3)
    inputs["previous"] = [{"enterprise": "E000", "inspectors": ["C00", "C01"]}]
    t = draw.publish(inputs)["result"]["key"][0]
    assert "C02" in t["inspectors"] and len(t["repeated"]) == 1
    inputs["conflicts"] = [{"cert": "C00", "enterprise": "E000"}, {"cert": "C01", "enterprise": "E000"}]
    with pytest.raises(InspectorError) as err:
        draw.publish(inputs)
    assert err.value.code == "draw.infeasible" and "E000" in err.value.text("zh")


@pytest.mark.parametrize("bad, field", [
    ({"team_size": 1}, "team_size"), ({"sample": {"rate": "1.5"}}, "sample.rate"), ({"sample": {"rate": 0.3}}, "sample.rate"),
    ({"seed": ""}, "seed"), ({"extra": 1}, "extra"), ({"sample": {"count": -1}}, "sample.count"),
])
def test_bad_inputs_name_the_field(bad, field):
    with pytest.raises(InspectorError) as err:
        draw.normalise_inputs(dict(pool(), **bad))
    assert err.value.code == "draw.bad_input" and field in err.value.text("zh")


def test_duplicate_pool_entries_are_refused():
    inputs = pool()
    inputs["inspectors"].append(dict(inputs["inspectors"][0]))
    with pytest.raises(InspectorError):
        draw.normalise_inputs(inputs)


def test_verify_names_the_first_difference():
    published = draw.publish(pool())
    assert draw.verify(copy.deepcopy(published))["ok"]
    tampered = copy.deepcopy(published)
    tampered["result"]["sampled"][2]["inspectors"][1] = "C99"
    out = draw.verify(tampered)
    assert not out["ok"] and out["difference"]["path"] == "result.sampled[2].inspectors[1]"
    swapped = copy.deepcopy(published)
    swapped["inputs"]["seed"] = "another"  # the result and the inputs hash no longer follow
    assert draw.verify(swapped)["difference"]["path"] == "hashes.inputs"
    pool_changed = copy.deepcopy(published)
    pool_changed["inputs"]["enterprises"][10]["key"] = True
    assert draw.verify(pool_changed)["difference"]["path"] == "hashes.enterprises"


# --- the CLI --------------------------------------------------------------------------------------
def run_cli(*argv: str) -> tuple[int, str, str]:
    """`inspector draw …` — through inspector_app.cli when it is wired there, else its register()."""
    from inspector_app import cli as root
    from inspector_app.cli import draw as draw_cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if draw_cli in getattr(root, "GROUPS", []):
            code = root.main(list(argv))
        else:
            parser = argparse.ArgumentParser(prog="inspector")
            parser.add_argument("--json", action="store_true")
            parser.add_argument("--data-dir", default=None)
            draw_cli.register(parser.add_subparsers(dest="command", required=True))
            args = parser.parse_args(list(argv))
            try:
                code = args.handler(args)
            except InspectorError as exc:
                print(exc.text("zh"), file=__import__("sys").stderr)
                code = exc.exit_code
    return code, out.getvalue(), err.getvalue()


def test_cli_runs_and_verifies_a_draw(tmp_path):
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps(DOC_INPUTS, ensure_ascii=False), "utf-8")
    published = tmp_path / "draw.json"
    code, out, err = run_cli("draw", "run", str(inputs), "-o", str(published))
    assert code == 0, err
    code, out, err = run_cli("draw", "verify", str(published))
    assert code == 0 and "核验一致" in out
    code, out, err = run_cli("--json", "draw", "verify", str(published))
    assert code == 0 and json.loads(out)["ok"] is True

    data = json.loads(published.read_text("utf-8"))
    data["result"]["key"][1]["inspectors"] = ["C1", "C3"]
    published.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    code, out, err = run_cli("draw", "verify", str(published))
    assert code == 1 and "result.key[1].inspectors[1]" in err and "C3" in err and "C2" in err
    code, out, err = run_cli("--json", "draw", "verify", str(published))
    assert code == 1 and json.loads(out)["difference"]["path"] == "result.key[1].inspectors[1]"

    code, out, err = run_cli("draw", "hash", str(inputs))
    assert code == 0 and "aff069442e03494f" in out
    (tmp_path / "broken.json").write_text("{not json", "utf-8")
    assert run_cli("draw", "verify", str(tmp_path / "broken.json"))[0] == 2
    (tmp_path / "other.json").write_text('{"format": "something"}', "utf-8")
    code, out, err = run_cli("draw", "verify", str(tmp_path / "other.json"))
    assert code == 1 and "inspector.draw/1" in err
