"""The on-site quiz of an inspection, kept in inspections.quiz until the record is signed."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from inspector_app.domain import quiz as rules
from inspector_app.domain.messages import InspectorError

from . import inspections

BANKS_DIR = "question-banks"


def banks(ws) -> dict[str, rules.QuestionBank]:
    return rules.load_banks(ws.data_dir / BANKS_DIR)


def install_bank(ws, question_bank: rules.QuestionBank):
    """Write a bank into the data folder (atomically), where banks() finds it."""
    import tomli_w

    from inspector_app.fsutil import atomic_write

    out = ws.data_dir / BANKS_DIR / f"{question_bank.id}-{question_bank.version}.toml"
    atomic_write(out, tomli_w.dumps(rules.bank_to_data(question_bank)).encode("utf-8"))
    rules.load_bank(out)  # what was written must load back
    return out


def install_demo_bank(ws):
    from inspector_app.demo import demo_question_bank

    return install_bank(ws, demo_question_bank(ws.catalogues.get("major-hazard-criteria")))


def bank(ws, key: str | None) -> rules.QuestionBank:
    available = banks(ws)
    if key is None and available:
        return available[sorted(available)[-1]]
    if key in available:
        return available[key]
    matches = [b for k, b in available.items() if k.split("@")[0] == key]
    if matches:
        return sorted(matches, key=lambda b: b.version)[-1]
    raise InspectorError(rules.UNKNOWN_BANK, exit_code=2, bank=key or "-", choices=", ".join(sorted(available)) or "—")


def draw(session: Session, ws, inspection_id: str, *, bank_key: str | None, name: str, role: str, count: int,
         seed: int | None = None) -> tuple[str, dict, list[rules.Question]]:
    inspection = inspections.editable_row(session, inspection_id)
    chosen = bank(ws, bank_key)
    seed = secrets.randbelow(2**31) if seed is None else seed
    paper = rules.draw_paper(chosen, role, count, seed)
    state = dict(inspection.quiz or {"bank": chosen.key, "persons": []})
    persons = [p for p in state["persons"] if p["name"] != name]
    person = {"name": name, "role": role, "seed": seed, "paper": [q.id for q in paper], "answers": None,
              "questions": len(paper), "correct": 0, "passed": False}
    inspection.quiz = {"bank": chosen.key, "persons": persons + [person]}
    return inspection.id, person, paper


def answer(session: Session, ws, inspection_id: str, *, name: str, answers: list[str], pass_percent: int) -> dict:
    inspection = inspections.editable_row(session, inspection_id)
    state = inspection.quiz or {"bank": "", "persons": []}
    person = next((p for p in state["persons"] if p["name"] == name), None)
    if person is None:
        raise InspectorError(rules.NO_PAPER, exit_code=2, inspection=inspection.id, name=name)
    questions = {q.id: q for q in bank(ws, state["bank"]).questions}
    paper = [questions[qid] for qid in person["paper"]]
    correct = rules.grade(paper, answers)
    updated = dict(person, answers=[rules.normalise_answer(a) for a in answers], correct=correct,
                   passed=rules.passed(correct, len(paper), pass_percent))
    inspection.quiz = {"bank": state["bank"],
                       "persons": [updated if p["name"] == name else p for p in state["persons"]]}
    return updated


def for_record(quiz: dict | None) -> dict | None:
    """What the signed record carries: the persons who answered (a drawn, unanswered paper is not a result)."""
    if not quiz:
        return None
    persons = [p for p in quiz["persons"] if p.get("answers") is not None]
    return {"bank": quiz["bank"], "persons": persons} if persons else None
