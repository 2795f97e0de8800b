"""Loading the demo county into a data folder: the one way, for `inspector demo` and the app."""
from __future__ import annotations

from inspector_app.demo import DEMO_OFFICERS, demo_enterprises

from . import enterprises, models, officers
from .quiz import install_demo_bank


def load_demo(ws, passphrase: str, count: int = 48) -> list[str]:
    """The fictional enterprises (replaced if present), the two demo officers (added if missing,
    with ``passphrase``) and the demo question bank. Returns the officers it added."""
    with ws.store.write() as session:
        for e in demo_enterprises(count):
            enterprises.add(session, e, replace=True)
        ws.audit(session, "import", "demo:enterprises", {"count": count})
    added = []
    with ws.store.write() as session:
        authoriser = None
        for spec in DEMO_OFFICERS:
            if session.get(models.Officer, spec["cert"]) is None:
                officers.add(session, name=spec["name"], cert=spec["cert"], passphrase=passphrase,
                             authorised_by=authoriser)
                added.append(spec["cert"])
                ws.audit(session, "edit", f"officer:{spec['cert']}", {"op": "add", "demo": True})
            authoriser = authoriser or officers.unlock(session, spec["cert"], passphrase)
    install_demo_bank(ws)
    return added
