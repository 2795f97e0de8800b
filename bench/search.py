"""Catalogue load + selection over 5,000 items, and enterprise search over 10,000 enterprises.

Each figure is a ratio against a plain in-memory scan of the same data measured in the same run,
so the numbers mean the same on a fast and a slow machine. The goal for search is a keystroke's
answer within one 16 ms frame at 10,000 enterprises.

    .venv/bin/python bench/search.py
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector_app.demo import demo_code, demo_enterprises  # noqa: E402
from inspector_app.domain.catalogue import load_catalogue  # noqa: E402
from inspector_app.domain.catalogue_import import write_catalogue  # noqa: E402
from inspector_app.domain.enterprise import KINDS  # noqa: E402
from inspector_app.domain.selection import select_items  # noqa: E402
from inspector_app.paths import checklists_dir  # noqa: E402
from inspector_app.store import enterprises  # noqa: E402
from inspector_app.store.db import Store  # noqa: E402


def timed(fn, repeat: int) -> float:
    """Median seconds of one call."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def big_catalogue(folder: Path, n: int):
    import dataclasses

    base = load_catalogue(next(checklists_dir().glob("major-hazard*.toml")))
    rng = random.Random(1)
    kinds = list(KINDS)
    items = []
    for i in range(n):
        template = base.items[i % len(base.items)]
        items.append(dataclasses.replace(
            template, id=f"bench-{i}", seq=i + 1, enforcement_refs=(),
            kinds=tuple(rng.sample(kinds, 3)), major_hazard=rng.random() < 0.1))
    catalogue = dataclasses.replace(base, id="bench", version="1", items=tuple(items))
    path = folder / "bench-1.toml"
    write_catalogue(catalogue, path)
    return path


def bench_catalogue(folder: Path) -> str:
    path = big_catalogue(folder, 5000)
    profile = demo_enterprises(12)[0].profile()
    catalogue = load_catalogue(path)
    ours = timed(lambda: select_items([load_catalogue(path)], profile), 5)
    import tomllib

    def plain():
        data = tomllib.loads(path.read_text("utf-8"))
        return [it for it in data["items"] if profile.kind in it["kinds"] or it["major_hazard"]]

    base = timed(plain, 5)
    chosen = len(select_items([catalogue], profile))
    return (f"catalogue load+select, 5,000 items ({chosen} chosen): {ours * 1000:.1f} ms vs plain TOML scan "
            f"{base * 1000:.1f} ms = {ours / base:.2f}x")


def bench_search(folder: Path) -> str:
    store = Store(folder / "data").open()
    rng = random.Random(2)
    county = demo_enterprises(48)
    with store.write() as session:
        for i in range(10_000):
            e = county[i % len(county)]
            e = type(e)(**{**e.__dict__, "code": demo_code(rng), "name": e.name.replace("（演示）", f"（演示{i}）")})
            enterprises.add(session, e, replace=True)
    with store.read() as session:
        from sqlalchemy import text

        rows = [tuple(r) for r in session.execute(text("SELECT code, name, address, township FROM enterprises"))]
    queries = ["润达", "（演示512）", "化工有限", "城关镇", "青禾县恒泰", "91339901", "永丰制药"]

    def scan(q: str):
        return [r[0] for r in rows if q in r[1] or q in r[0] or q in r[2] or q in r[3]][:50]

    per_query = []
    for q in queries:
        with store.read() as session:
            ours = timed(lambda: enterprises.search(session, q, 50), 20)
        base = timed(lambda: scan(q), 20)
        per_query.append((q, ours, base))
    store.close()
    worst = max(o for _, o, _ in per_query)
    ratio = statistics.median(o / b for _, o, b in per_query)
    lines = [f"  {q!r}: {o * 1000:.2f} ms (scan {b * 1000:.2f} ms)" for q, o, b in per_query]
    return "\n".join(lines + [
        f"enterprise search, 10,000 enterprises: worst {worst * 1000:.2f} ms per keystroke "
        f"(goal < 16 ms), median {ratio:.2f}x an in-memory scan of the same rows"
    ])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(bench_catalogue(Path(tmp)))
        print(bench_search(Path(tmp)))


if __name__ == "__main__":
    main()
