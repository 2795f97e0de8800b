"""Search-as-you-type over the enterprise registry.

The full-text index is SQLite FTS5 with the trigram tokenizer (Chinese has no spaces, so word
tokenizers find nothing; trigrams match any substring of three or more characters). sqlite-utils
creates the index and the triggers that keep it in step with every write. Its calls commit on their
own, so they run only here, at open, outside the writer's transactions.
Queries of one or two characters are below the trigram length and fall back to a LIKE scan of the
(small) enterprise table.
"""
from __future__ import annotations

from pathlib import Path

import sqlite_utils
from sqlalchemy import text
from sqlalchemy.orm import Session

FTS_COLUMNS = ["name", "code", "address", "township", "legal_representative"]


def ensure_search_index(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    try:
        table = db["enterprises"]
        if table.detect_fts() is None:
            table.enable_fts(FTS_COLUMNS, tokenize="trigram", create_triggers=True)
    finally:
        db.close()


def _escape_fts(query: str) -> str:
    # A quoted FTS5 string matches the characters literally, whatever operators they contain.
    return '"' + query.replace('"', '""') + '"'


def search_enterprises(session: Session, query: str, limit: int = 50) -> list[str]:
    """Codes of the enterprises matching every space-separated term, by name (an exact code first)."""
    terms = [t for t in query.split() if t]
    if not terms:
        rows = session.execute(text("SELECT code FROM enterprises ORDER BY name LIMIT :n"), {"n": limit})
        return [r[0] for r in rows]
    if len(terms) == 1 and len(terms[0]) == 18:
        exact = session.execute(text("SELECT code FROM enterprises WHERE code = :c"), {"c": terms[0].upper()}).all()
        if exact:
            return [exact[0][0]]
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    params: dict[str, object] = {"n": limit}
    where = []
    for i, term in enumerate(short_terms):
        params[f"s{i}"] = f"%{term}%"
        where.append(
            f"(e.name LIKE :s{i} OR e.code LIKE :s{i} OR e.address LIKE :s{i} OR e.township LIKE :s{i})"
        )
    if long_terms:
        params["q"] = " ".join(_escape_fts(t) for t in long_terms)
        sql = (
            "SELECT e.code FROM enterprises_fts f JOIN enterprises e ON e.rowid = f.rowid "
            "WHERE enterprises_fts MATCH :q"
            + "".join(f" AND {w}" for w in where)
            # No ORDER BY rank: ranking scores every match (all 10,000 for a common code prefix);
            # the first matches, sorted by name below, answer a keystroke within a frame.
            + " LIMIT :n"
        )
    else:
        sql = "SELECT e.code FROM enterprises e WHERE " + " AND ".join(where) + " ORDER BY e.name LIMIT :n"
    rows = session.execute(text(sql.replace("SELECT e.code", "SELECT e.code, e.name")), params).all()
    return [code for code, _ in sorted(rows, key=lambda r: r[1])]
