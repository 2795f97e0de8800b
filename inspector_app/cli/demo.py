"""inspector demo: load the demo county into the data folder (safe to run again)."""
from __future__ import annotations

import os

from ..demo import DEMO_OFFICERS, DEMO_PASSPHRASE, demo_enterprises
from ..store import enterprises, officers
from .common import emit, workspace


def register(sub) -> None:
    p = sub.add_parser("demo", help="载入演示县数据：虚构企业和两名演示执法人员（口令为 INSPECTOR_PASSPHRASE，默认 demo）")
    p.add_argument("--enterprises", type=int, default=48, help="演示企业数量")
    p.set_defaults(handler=demo_)


def demo_(args) -> int:
    passphrase = os.environ.get("INSPECTOR_PASSPHRASE") or DEMO_PASSPHRASE
    added_officers = []
    with workspace(args) as ws:
        with ws.store.write() as session:
            for e in demo_enterprises(args.enterprises):
                enterprises.add(session, e, replace=True)
            ws.audit(session, "import", "demo:enterprises", {"count": args.enterprises})
        with ws.store.write() as session:
            authoriser = None
            for spec in DEMO_OFFICERS:
                if session.get(officers.models.Officer, spec["cert"]) is None:
                    officers.add(session, name=spec["name"], cert=spec["cert"], passphrase=passphrase,
                                 authorised_by=authoriser)
                    added_officers.append(spec["cert"])
                    ws.audit(session, "edit", f"officer:{spec['cert']}", {"op": "add", "demo": True})
                authoriser = authoriser or officers.unlock(session, spec["cert"], passphrase)
        _write_demo_bank(ws)
    data = {"enterprises": args.enterprises, "officers": [o["cert"] for o in DEMO_OFFICERS],
            "officers_added": added_officers, "passphrase": passphrase, "data_dir": str(ws.data_dir)}
    emit(args, data, "\n".join([
        f"演示县数据已载入 {ws.data_dir}",
        f"企业 {args.enterprises} 家；演示执法人员：" + "、".join(f"{o['name']} {o['cert']}" for o in DEMO_OFFICERS),
        f"演示口令：{passphrase}",
    ]))
    return 0


def _write_demo_bank(ws) -> None:
    import tomli_w

    from ..demo import demo_question_bank
    from ..domain.quiz import bank_to_data
    from ..fsutil import atomic_write
    from ..store.quiz import BANKS_DIR

    bank = demo_question_bank(ws.catalogues.get("major-hazard-criteria"))
    atomic_write(ws.data_dir / BANKS_DIR / f"{bank.id}-{bank.version}.toml",
                 tomli_w.dumps(bank_to_data(bank)).encode("utf-8"))
