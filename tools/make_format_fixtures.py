"""Write a fixture of each persisted format as this version of the code writes it.

tests/test_upgrade.py opens every fixture with the current code: migrations run, nothing is lost,
signatures still verify, evidence still decrypts. When a format changes (a store migration, a new
vault or key-slot version, a new bundle format), run this again with a new --name so the old
fixture stays and the new one is added:

    .venv/bin/python tools/make_format_fixtures.py --name store-0003
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
PASSPHRASE = "fixture-passphrase"


def make(name: str) -> Path:
    from PIL import Image

    out = FIXTURES / name
    if out.exists():
        raise SystemExit(f"{out} exists: a released fixture is never rewritten; choose a new --name")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {"INSPECTOR_PASSPHRASE": PASSPHRASE, "PATH": "/usr/bin:/bin"}
        cli = [sys.executable, "-m", "inspector_app.cli", "--data-dir", str(data), "--json"]

        def run(*args):
            proc = subprocess.run(cli + list(args), env=env, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode:
                raise SystemExit(f"{args}: {proc.stderr}")
            return json.loads(proc.stdout) if proc.stdout.strip() else None

        run("demo", "--enterprises", "9")
        code = next(e["code"] for e in run("enterprise", "list") if e["kind"] == "production")
        photo = Path(tmp) / "scene.jpg"
        Image.new("RGB", (320, 240), (200, 80, 40)).save(photo, quality=80)
        inspection = run("inspection", "new", "--enterprise", code, "--inspectors", "DEMO-0001,DEMO-0002")["id"]
        sha = run("evidence", "import", str(photo), "--inspection", inspection)[0]["sha256"]
        run("finding", "add", inspection, "--item", "reg-1", "--grade", "general", "--deadline", "2099-12-31",
            "--text", "未建立危险化学品管理档案", "--evidence", sha)
        run("inspection", "result", inspection, "reg-3", "compliant")
        record = run("inspection", "sign", inspection)["record"]
        run("export", record, "-o", str(Path(tmp) / "bundle.zip"))
        draft = run("inspection", "new", "--enterprise", code, "--inspectors", "DEMO-0001,DEMO-0002")["id"]
        run("inspection", "result", draft, "reg-2", "violation")
        out.mkdir(parents=True)
        shutil.copytree(data, out / "data", ignore=shutil.ignore_patterns("*-wal", "*-shm", "*.log"))
        shutil.copy(Path(tmp) / "bundle.zip", out / "bundle.zip")
        (out / "expect.json").write_text(json.dumps({
            "passphrase": PASSPHRASE, "record": record, "evidence": sha, "photo_sha256": sha,
            "signed_inspection": inspection, "draft_inspection": draft, "enterprise": code,
        }, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="e.g. store-0003: the formats this fixture captures")
    print(make(parser.parse_args().name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
