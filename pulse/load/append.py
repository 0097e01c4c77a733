"""Append loads: a log's file adds its rows, and the ledger ``raw_<domain>._loads`` records it.

A file whose checksum the ledger holds is skipped; a file that starts with the bytes of a
file loaded before (a cumulative export) appends only what follows them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import Table
from pulse.domains import DOMAINS
from pulse.load.landing import COPY_CHUNK, LoadedFile, Prefix, casts, land


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK * 8):
            digest.update(chunk)
    return digest.hexdigest()


def _loaded_prefix(cur: psycopg.Cursor, schema: str, file: Path) -> Prefix | None:
    """The longest earlier load that this file starts with (a cumulative export), if any.

    The ledger keeps each file's size and SHA-256; one pass over the file hashes its
    first bytes at every size the ledger holds and compares. The match must end at a
    line end, so the rest of the file is whole CSV lines.
    """
    size = file.stat().st_size
    candidates = cur.execute(
        sql.SQL(
            "select bytes, sha256, file_name from {} where bytes is not null and bytes < %s "
            "order by bytes"
        ).format(sql.Identifier(schema, "_loads")),
        (size,),
    ).fetchall()
    if not candidates:
        return None
    digest, position, lines, last_byte, found = hashlib.sha256(), 0, 0, b"", None
    pending = list(candidates)
    with file.open("rb") as handle:
        while pending and (chunk := handle.read(COPY_CHUNK * 8)):
            while chunk:
                boundary = pending[0][0] if pending else position + len(chunk)
                piece, chunk = chunk[: boundary - position], chunk[boundary - position :]
                digest.update(piece)
                lines += piece.count(b"\n")
                position += len(piece)
                last_byte = piece[-1:] or last_byte
                while pending and pending[0][0] == position:
                    _, sha256, name = pending.pop(0)
                    if last_byte == b"\n" and digest.hexdigest() == sha256:
                        found = Prefix(name, position, lines)
                if not pending:
                    break
    return found


def _empty_and_ours(cur: psycopg.Cursor, target: sql.Identifier) -> bool:
    """Whether the log is empty and locked for this transaction alone, so that it can be
    truncated before this load's rows go in.

    Emptied in the load's transaction, the table gets a new file that, with
    wal_level=minimal (the embedded server), is written once and synced at commit instead
    of going through the WAL too (PostgreSQL 13 on): the first load of 10M rows, 19 -> 12 s.
    Only where it saves the WAL (elsewhere it would lock readers out for nothing) and the
    role may. The lock is only taken if no one holds one (a concurrent load, a reader: no
    waiting, no deadlock), and emptiness is asked again once it is held, with a fresh
    snapshot (read committed), so that no row committed or being written by another
    transaction can be truncated.
    """
    empty = sql.SQL("select not exists (select from {})").format(target)
    worth_it = sql.SQL(
        "select current_setting('wal_level') = 'minimal'"
        " and current_setting('transaction_isolation') = 'read committed'"
        " and has_table_privilege({}, 'truncate')"
    ).format(sql.Literal(target.as_string(cur)))
    if not (cur.execute(worth_it).fetchone()[0] and cur.execute(empty).fetchone()[0]):
        return False
    try:
        with cur.connection.transaction():  # a savepoint: a lock not granted spoils nothing
            cur.execute(sql.SQL("lock table {} in access exclusive mode nowait").format(target))
    except psycopg.errors.LockNotAvailable:
        return False
    return cur.execute(empty).fetchone()[0]


def append(
    cur: psycopg.Cursor, domain: str, file: Path, table: Table, delimiter: str, progress: bool
) -> LoadedFile:
    """Append a log file to its raw table, in the caller's transaction.

    The file takes the checking path of every load (landing table, format and range
    checks). A file whose checksum was loaded before is skipped: loading the same file
    twice adds nothing.
    """
    schema = DOMAINS[domain].raw_schema
    checksum = _sha256(file)
    target = sql.Identifier(schema, table.name)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    seen = cur.execute(
        sql.SQL("select file_name from {} where sha256 = %s").format(
            sql.Identifier(schema, "_loads")
        ),
        (checksum,),
    ).fetchone()
    if seen:
        return LoadedFile(file, table.name, 0, skipped_as=seen[0])
    # a cumulative export (the same growing file every day): only its new lines
    prefix = _loaded_prefix(cur, schema, file)
    landing = land(cur, file, domain, table, delimiter, progress, skip=prefix)
    if _empty_and_ours(cur, target):
        cur.execute(sql.SQL("truncate {}").format(target))
    # the rows, and the earliest time of the log: how far back the incremental models
    # must reprocess to take this file in (counted from what the insert returns, without
    # a second scan of the landing table)
    rows, first_event_at = cur.execute(
        sql.SQL(
            "with appended as (insert into {} ({}, _source_file, _loaded_at) "
            "select {}, {}, now() from {} returning {}) "
            "select count(*), min({}) from appended"
        ).format(
            target,
            columns,
            casts(table),
            sql.Literal(file.name),
            landing,
            sql.Identifier(table.time_column),
            sql.Identifier(table.time_column),
        )
    ).fetchone()
    cur.execute(sql.SQL("drop table {}").format(landing))
    cur.execute(
        sql.SQL(
            "insert into {} (file_name, sha256, rows, loaded_at, first_event_at, bytes) "
            "values (%s, %s, %s, now(), %s, %s)"
        ).format(sql.Identifier(schema, "_loads")),
        (file.name, checksum, rows, first_event_at, file.stat().st_size),
    )
    return LoadedFile(file, table.name, rows, continues=prefix.file_name if prefix else None)
