"""build/pyinstaller.spec builds a one-folder app whose smoke mode runs: offscreen, a fresh data
folder, the demo county, one document rendered, exit 0. The CLI in the same folder works too."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_packaged_app_runs_its_smoke_mode(tmp_path):
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    if not pyinstaller.exists():
        pytest.skip("PyInstaller is not installed in this environment")
    build = subprocess.run([str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(tmp_path / "dist"),
                            "--workpath", str(tmp_path / "work"), str(ROOT / "build" / "pyinstaller.spec")],
                           capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    folder = tmp_path / "dist" / "inspector"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", INSPECTOR_PASSPHRASE="smoke")
    # The frozen program must not lean on the source tree: run it from elsewhere.
    smoke = subprocess.run([str(folder / "inspector-app"), "--smoke"], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=300)
    assert smoke.returncode == 0, smoke.stdout[-2000:] + smoke.stderr[-3000:]
    assert "smoke: ok" in smoke.stdout
    rendered = [line for line in smoke.stdout.splitlines() if line.startswith("smoke: check-record")]
    pdf = Path(rendered[0].split("-> ")[1])
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    cli = subprocess.run([str(folder / "inspector"), "--data-dir", str(tmp_path / "cli"), "catalogue", "validate"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert cli.returncode == 0 and "3/3" in cli.stdout, cli.stderr
    shutil.rmtree(tmp_path / "work", ignore_errors=True)
