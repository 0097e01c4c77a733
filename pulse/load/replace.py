"""Replace loads: each file is the whole of its table (a snapshot), so reloading is idempotent.

Every file of the call lands (and is checked) before any table is touched; then each
table is emptied and filled from its landing table, in the caller's transaction.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import Table
from pulse.domains import DOMAINS
from pulse.load.landing import LoadedFile, LoadError, casts, fail, land


def replace(
    cur: psycopg.Cursor,
    domain: str,
    files: list[tuple[Path, Table, str, str | None]],
    *,
    progress: bool,
    allow_empty: bool,
) -> list[LoadedFile]:
    """Replace the tables of ``files`` ((path, table, delimiter, header note) each).

    Raises LoadError when two files would replace the same table, or when a file with a
    header and no rows would empty a table that holds rows and ``allow_empty`` is unset.
    Returns one LoadedFile per file (the same file given twice counts once).
    """
    schema = DOMAINS[domain].raw_schema
    by_table: dict[str, Path] = {}
    for file, table, _, _ in files:
        if table.name in by_table and by_table[table.name].resolve() != file.resolve():
            raise LoadError(
                f"{by_table[table.name]} and {file} would both replace "
                f"{schema}.{table.name}: give one of them"
            )
        by_table[table.name] = file
    files = list({file.resolve(): (file, *rest) for file, *rest in files}.values())
    landed = [
        (file, table, note, land(cur, file, domain, table, delimiter, progress))
        for file, table, delimiter, note in files
    ]
    loaded = []
    for file, table, note, landing in landed:
        rows = _replace_table(cur, schema, table, landing, file, allow_empty)
        loaded.append(LoadedFile(file, table.name, rows, note=note))
    return loaded


def _replace_table(
    cur: psycopg.Cursor,
    schema: str,
    table: Table,
    landing: sql.Identifier,
    path: Path,
    allow_empty: bool,
) -> int:
    """Empty ``schema.table`` and fill it from ``landing``, cast; the rows written."""
    target = sql.Identifier(schema, table.name)
    landed = cur.execute(sql.SQL("select count(*) from {}").format(landing)).fetchone()[0]
    if landed == 0 and not allow_empty:
        held = cur.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
        if held:
            raise fail(
                path,
                None,
                None,
                f"has a header and no rows: loading it would empty {schema}.{table.name}, "
                f"which holds {held:,} rows (a truncated export?). Nothing was loaded; to "
                "replace them with nothing, load again with --allow-empty",
            )
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    cur.execute(sql.SQL("truncate {}").format(target))
    cur.execute(
        sql.SQL("insert into {} ({}) select {} from {}").format(
            target, columns, casts(table), landing
        )
    )
    return cur.rowcount
