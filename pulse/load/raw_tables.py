"""Raw-table setup: every domain's raw schema, tables and (for a log) ledger, empty when new.

`pulse setup` runs ``setup``: the BI role, then the raw tables of every domain, so a
database that holds only some domains still builds. A load runs ``create_raw_tables`` for
its own domain only, and never touches roles.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from pulse.access import ensure_bi_role
from pulse.contracts import LOAD_COLUMNS
from pulse.db import Connection
from pulse.domains import DOMAINS


def setup(conn: Connection) -> None:
    """`pulse setup`: make the BI role (pulse.access), then every domain's raw tables."""
    ensure_bi_role(conn)
    create_raw_tables(conn, list(DOMAINS))


def create_raw_tables(conn: Connection, domains: list[str]) -> None:
    """Create the raw schema and tables of each of ``domains`` that are missing (empty)."""
    with conn.connect() as db, db.cursor() as cur:
        for domain in domains:
            for statement in create_statements(domain):
                cur.execute(statement)
            if DOMAINS[domain].appends:
                _record_first_event_times(cur, domain)


def create_statements(domain: str) -> list[str]:
    """The DDL of ``domain``'s raw schema, tables and, for a log, ledger (idempotent)."""
    schema = DOMAINS[domain].raw_schema
    appends = DOMAINS[domain].appends
    statements = [f'create schema if not exists "{schema}"']
    for table in DOMAINS[domain].tables:
        all_columns = table.columns + (LOAD_COLUMNS if appends else ())
        columns = ",\n    ".join(f'"{name}" {type_}' for name, type_ in all_columns)
        statements.append(
            f'create table if not exists "{schema}"."{table.name}" (\n    {columns}\n)'
        )
    if appends:
        log = DOMAINS[domain].tables[0]
        statements += [
            f'create table if not exists "{schema}"._loads (\n'
            "    file_name text not null,\n"
            "    sha256 text primary key,\n"
            "    rows bigint not null,\n"
            "    loaded_at timestamptz not null\n)",
            # the file's earliest timestamp: the incremental models reprocess from its day
            # when a load comes in later than their lookback (a ledger from before it gets
            # the column here, and _record_first_event_times fills it for the earlier loads)
            f'alter table "{schema}"._loads add column if not exists first_event_at timestamp',
            # the file's size: a later file that starts with the same bytes (a cumulative
            # export) appends only what follows them
            f'alter table "{schema}"._loads add column if not exists bytes bigint',
            # The log arrives in time order: a BRIN index finds a day range almost for free
            # and costs next to nothing to keep up while appending.
            f'create index if not exists "{log.name}_{log.time_column}_brin" '
            f'on "{schema}"."{log.name}" using brin ("{log.time_column}")',
        ]
    return statements


def _record_first_event_times(cur: psycopg.Cursor, domain: str) -> None:
    """Fill first_event_at of the files loaded before the ledger recorded it (once).

    Only the loads older than the first one that recorded it: a later file without a
    single timestamp keeps its null instead of costing a scan of the log on every load.
    """
    schema = DOMAINS[domain].raw_schema
    table = DOMAINS[domain].tables[0]
    ledger, log = sql.Identifier(schema, "_loads"), sql.Identifier(schema, table.name)
    unrecorded = sql.SQL(
        "loads.first_event_at is null and loads.rows > 0 and loads.loaded_at < coalesce("
        "(select min(loaded_at) from {} where first_event_at is not null), 'infinity')"
    ).format(ledger)
    count = sql.SQL("select count(*) from {} as loads where {}").format(ledger, unrecorded)
    if not cur.execute(count).fetchone()[0]:
        return
    cur.execute(
        sql.SQL(
            "update {ledger} as loads set first_event_at = firsts.first_time from ("
            "select _source_file, _loaded_at, min({time}) as first_time from {log} "
            "group by _source_file, _loaded_at) as firsts "
            "where loads.file_name = firsts._source_file and loads.loaded_at = firsts._loaded_at "
            "and {unrecorded}"
        ).format(
            ledger=ledger, log=log, time=sql.Identifier(table.time_column), unrecorded=unrecorded
        )
    )
