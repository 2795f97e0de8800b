"""inspector demo: load the demo county into the data folder (safe to run again)."""
from __future__ import annotations

import os

from ..demo import DEMO_COUNTY, DEMO_OFFICERS, DEMO_PASSPHRASE
from ..store.demo import load_demo
from .common import emit, workspace


def register(sub) -> None:
    p = sub.add_parser("demo", help="载入演示县数据：虚构企业和两名演示执法人员（口令为 INSPECTOR_PASSPHRASE，默认 demo）")
    p.add_argument("--enterprises", type=int, default=48, help="演示企业数量")
    p.add_argument("--county", action="store_true", help="同时填入演示县的设置（县名、简称、复议机关、法院），未设置的项才填")
    p.set_defaults(handler=demo_)


def demo_(args) -> int:
    passphrase = os.environ.get("INSPECTOR_PASSPHRASE") or DEMO_PASSPHRASE
    with workspace(args) as ws:
        added_officers = load_demo(ws, passphrase, args.enterprises)
        if args.county:
            with ws.store.write() as session:
                unset = {k: v for k, v in DEMO_COUNTY.items() if not ws.setting(session, k)}
                for key, value in unset.items():
                    ws.set_setting(session, key, value)
                if unset:
                    ws.audit(session, "edit", "settings", {"op": "demo-county", "keys": sorted(unset)})
    data = {"enterprises": args.enterprises, "officers": [o["cert"] for o in DEMO_OFFICERS],
            "officers_added": added_officers, "passphrase": passphrase, "data_dir": str(ws.data_dir)}
    emit(args, data, "\n".join([
        f"演示县数据已载入 {ws.data_dir}",
        f"企业 {args.enterprises} 家；演示执法人员：" + "、".join(f"{o['name']} {o['cert']}" for o in DEMO_OFFICERS),
        f"演示口令：{passphrase}",
    ]))
    return 0

