"""inspector quiz import | list | draw | answer  (逢查必考)"""
from __future__ import annotations

from pathlib import Path

from ..domain import quiz as rules
from ..store import quiz as quiz_store
from .common import emit, table, workspace


def register(sub) -> None:
    p = sub.add_parser("quiz", help="逢查必考：现场考试（题库导入、抽题、评分）")
    s = p.add_subparsers(dest="action", required=True)
    imp = s.add_parser("import", help="导入题库表格（.xlsx/.csv：序号/题目/选项A…F/答案/适用对象/来源）")
    imp.add_argument("table", type=Path)
    imp.add_argument("--id", required=True, dest="bank_id")
    imp.add_argument("--version", required=True)
    imp.add_argument("--title", required=True)
    imp.add_argument("--source", required=True, help="题库来源（如：省应急厅题库2026版）")
    imp.set_defaults(handler=import_)
    ls = s.add_parser("list", help="列出题库")
    ls.set_defaults(handler=list_)
    dr = s.add_parser("draw", help="为一名受考人员随机抽取试卷")
    dr.add_argument("id", help="检查编号")
    dr.add_argument("--name", required=True, help="受考人员姓名")
    dr.add_argument("--role", required=True, help="、".join(f"{k}（{v}）" for k, v in rules.ROLES.items()))
    dr.add_argument("--questions", type=int, default=5)
    dr.add_argument("--bank", default=None, metavar="ID[@VERSION]")
    dr.add_argument("--seed", type=int, default=None, help="随机种子（默认随机，记入记录以便复现）")
    dr.set_defaults(handler=draw_)
    an = s.add_parser("answer", help="记录答案并评分")
    an.add_argument("id")
    an.add_argument("--name", required=True)
    an.add_argument("--answers", required=True, help="按题序，逗号分隔，如 A,C,对,BD")
    an.set_defaults(handler=answer_)


def import_(args) -> int:
    bank = rules.import_bank_table(args.table, bank_id=args.bank_id, version=args.version, title=args.title,
                                   source=args.source)
    with workspace(args) as ws:
        out = quiz_store.install_bank(ws, bank)
        with ws.store.write() as session:
            ws.audit(session, "import", f"quiz-bank:{bank.key}", {"table": args.table.name,
                                                                  "questions": len(bank.questions)})
    emit(args, {"bank": bank.key, "questions": len(bank.questions), "path": str(out)},
         f"已导入题库 {bank.key}：{len(bank.questions)} 题")
    return 0


def list_(args) -> int:
    with workspace(args) as ws:
        banks = quiz_store.banks(ws)
    emit(args, [{"bank": k, "title": b.title, "questions": len(b.questions), "source": b.source}
                for k, b in banks.items()],
         lambda: table([[k, str(len(b.questions)), b.title] for k, b in banks.items()]) or "（尚无题库）")
    return 0


def draw_(args) -> int:
    rules.check_role(args.role)
    with workspace(args) as ws, ws.store.write() as session:
        inspection_id, person, paper = quiz_store.draw(session, ws, args.id, bank_key=args.bank, name=args.name,
                                                       role=args.role, count=args.questions, seed=args.seed)
        ws.audit(session, "edit", f"inspection:{inspection_id}", {"op": "quiz-draw", "name": args.name,
                                                                  "paper": person["paper"], "seed": person["seed"]})
    data = {"inspection": inspection_id, "name": args.name, "seed": person["seed"],
            "questions": [{"id": q.id, "text": q.text, "options": list(q.options)} for q in paper]}

    def text() -> str:
        lines = [f"{args.name}（{rules.ROLES[args.role]}）试卷，随机种子 {person['seed']}"]
        for n, q in enumerate(paper, start=1):
            lines.append(f"{n}. {q.text}")
            lines.extend(f"   {o}" for o in q.options)
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def answer_(args) -> int:
    answers = [a.strip() for a in args.answers.split(",")]
    with workspace(args) as ws, ws.store.write() as session:
        pass_percent = int(ws.setting(session, "quiz_pass_percent") or rules.DEFAULT_PASS_PERCENT)
        person = quiz_store.answer(session, ws, args.id, name=args.name, answers=answers, pass_percent=pass_percent)
        ws.audit(session, "edit", f"inspection:{args.id}", {"op": "quiz-answer", "name": args.name,
                                                             "correct": person["correct"], "passed": person["passed"]})
    emit(args, person, f"{args.name}：答对 {person['correct']}/{person['questions']}，"
                       f"{'合格' if person['passed'] else '不合格'}（合格线 {pass_percent}%）")
    return 0
