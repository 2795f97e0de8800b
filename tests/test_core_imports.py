"""The core (domain/, crypto/, documents/, sync/protocol) imports neither Qt nor the ORM:
the server and the CLI use it, and a court's verifier must not need a GUI toolkit."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import inspector_app

ROOT = Path(inspector_app.__file__).resolve().parent.parent
CORE = {
    "inspector_app.domain": {"PySide6", "shiboken6", "sqlalchemy", "alembic"},
    "inspector_app.crypto": {"PySide6", "shiboken6", "sqlalchemy", "alembic"},
    "inspector_app.documents": {"PySide6", "shiboken6"},
    "sync.protocol": {"PySide6", "shiboken6", "sqlalchemy", "alembic"},
}

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import importlib, pkgutil
pkg = importlib.import_module(PACKAGE)
names = [PACKAGE] + [PACKAGE + '.' + m.name for m in pkgutil.iter_modules(pkg.__path__)]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def _modules(package: str) -> list[str]:
    path = ROOT.joinpath(*package.split("."))
    return [m.name for m in pkgutil.iter_modules([str(path)])]


def test_core_packages_import_with_qt_and_orm_blocked():
    for package, blocked in CORE.items():
        code = f"BLOCKED = {sorted(blocked)!r}\nPACKAGE = {package!r}\n" + BLOCKER
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f"{package} imports a blocked module:\n{result.stderr}"
        assert int(result.stdout.strip()) == 1 + len(_modules(package))


def test_the_blocker_really_blocks():
    code = "BLOCKED = ['sqlalchemy']\nPACKAGE = 'inspector_app.store'\n" + BLOCKER
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and "blocked for this test" in result.stderr
