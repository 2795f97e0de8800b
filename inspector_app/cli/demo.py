"""inspector demo: load the demo county into the data folder (safe to run again)."""
from __future__ import annotations

import os

from ..demo import DEMO_OFFICERS, DEMO_PASSPHRASE
from ..store.demo import load_demo
from .common import emit, workspace


def register(sub) -> None:
    p = sub.add_parser("demo", help="载入演示县数据：虚构企业和两名演示执法人员（口令为 INSPECTOR_PASSPHRASE，默认 demo）")
    p.add_argument("--enterprises", type=int, default=48, help="演示企业数量")
    p.set_defaults(handler=demo_)


def demo_(args) -> int:
    passphrase = os.environ.get("INSPECTOR_PASSPHRASE") or DEMO_PASSPHRASE
    with workspace(args) as ws:
        added_officers = load_demo(ws, passphrase, args.enterprises)
    data = {"enterprises": args.enterprises, "officers": [o["cert"] for o in DEMO_OFFICERS],
            "officers_added": added_officers, "passphrase": passphrase, "data_dir": str(ws.data_dir)}
    emit(args, data, "\n".join([
        f"演示县数据已载入 {ws.data_dir}",
        f"企业 {args.enterprises} 家；演示执法人员：" + "、".join(f"{o['name']} {o['cert']}" for o in DEMO_OFFICERS),
        f"演示口令：{passphrase}",
    ]))
    return 0

