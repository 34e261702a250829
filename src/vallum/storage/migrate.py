"""Columns added to existing tables since they were first created.

`metadata.create_all` creates missing tables but never alters one that exists, so a database
made by an earlier version gains its new (nullable) columns here, on open. Idempotent and safe
when several processes open the same database at once (a column another one just added is
not an error).
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from vallum.storage.tables import evidence, evidence_head

# table -> columns added after the table's first release, each nullable with no default
ADDED = {
    evidence.name: ("payload", "tree"),
    evidence_head.name: ("frontier",),
}


def add_missing_columns(engine: Engine) -> list[str]:
    """Add what `ADDED` lists to tables that exist without it; return `table.column` added."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    added: list[str] = []
    for table, columns in ADDED.items():
        if table not in existing:
            continue
        have = {c["name"] for c in inspector.get_columns(table)}
        for column in columns:
            if column in have:
                continue
            try:
                with engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} TEXT"))
                added.append(f"{table}.{column}")
            except SQLAlchemyError:
                fresh = {c["name"] for c in inspect(engine).get_columns(table)}
                if column not in fresh:  # not a race with another process: a real failure
                    raise
    return added
