"""Shared fixtures. Qt runs offscreen in every test; each test gets its own data folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("INSPECTOR_DATA_DIR", None)
os.environ.pop("INSPECTOR_LANG", None)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


class Cli:
    """Runs the `inspector` command in-process, as a script would, and captures what it prints."""

    def __init__(self, data_dir: Path, capsys):
        self.data_dir = data_dir
        self.capsys = capsys

    def __call__(self, *args: str, expect: int | None = 0):
        from inspector_app.cli import main

        self.capsys.readouterr()
        code = main(["--data-dir", str(self.data_dir), *args])
        out, err = self.capsys.readouterr()
        if expect is not None:
            assert code == expect, f"inspector {' '.join(args)} exited {code}, wanted {expect}\n{out}\n{err}"
        return code, out, err

    def json(self, *args: str):
        code, out, err = self("--json", *args)
        return json.loads(out)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(data_dir, capsys, monkeypatch) -> Cli:
    monkeypatch.setenv("INSPECTOR_PASSPHRASE", "demo-pass")
    return Cli(data_dir, capsys)


@pytest.fixture
def demo_cli(cli) -> Cli:
    cli("demo")
    return cli


def run_script(name: str, *args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run an installed console script (inspector, inspector-app …) as a separate process."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([str(VENV_BIN / name), *args], capture_output=True, text=True, env=full_env,
                          input=input, timeout=300)
