"""`pulse load DOMAIN PATH…`: CSV files into the raw schema with COPY.

Every file of every domain goes through one checking path, the same on any PostgreSQL
from 15 on:

1. the header is checked against the contract (a table the contract reads by position
   only needs the right number of columns, and the load says so);
2. the file is streamed with COPY into a temporary all-text landing table, without its
   trailing blank lines (which are ignored); the server checks that its bytes are UTF-8,
   and a byte it refuses is named by its physical line and column;
3. as COPY reads, a CHECK on every typed column of the landing table tests the value's
   format and range. A value in canonical form proves both by a round trip through its
   type (``cast(cast(v as bigint) as text) = v``; a log's timestamp with DateStyle ISO):
   digits, a plain decimal, YYYY-MM-DDTHH:MM:SS that exists. Any other value is tested
   against the contract's regular expression, then for its range (the width of an
   integer, a numeric column's plausible range, hours 00 to 23, and a day that exists,
   by the server's own cast, which raises on 30 February on any version) — not
   ``pg_input_is_valid``, which PostgreSQL 15 lacks, and not the server's integer input
   alone, which from 16 on also reads ``0x1F`` and ``1_000``. COPY stops on the first bad
   value (a CHECK that fails, or a cast inside one that raises, as on ``abc`` in an
   integer column) with its physical line; Python then words the rule it breaks.

The first problem is reported as ``FILE, line N, column K (name): value 'v' …rule`` with
the physical line of the file (lines inside quoted fields counted) and nothing of the call
is loaded: every file of one call is written in one transaction, so a bad file leaves the
previous data of every table in place. Snapshot tables are replaced (reloading the same
files is idempotent); a file with a header and no rows does not empty a table that holds
rows unless ``allow_empty`` is set. Log tables (the shop) are appended, a file whose
checksum was loaded before is skipped.

The parts: ``raw_tables`` (setup of the raw schemas, `pulse setup`), ``landing`` (the
checking path above, shared by both modes) with ``rules`` (the value rules, as SQL and in
words), ``replace`` (snapshot loads) and ``append`` (log loads and their ledger).
"""

from __future__ import annotations

from pathlib import Path

from pulse.contracts import Table
from pulse.db import Connection
from pulse.domains import DOMAINS
from pulse.load.append import append
from pulse.load.landing import LoadedFile, LoadError, check_header, detect_delimiter
from pulse.load.raw_tables import create_raw_tables, setup
from pulse.load.replace import replace

__all__ = [
    "LoadError",
    "LoadedFile",
    "check_header",
    "detect_delimiter",
    "files_for",
    "load",
    "setup",
]


def files_for(domain: str, path: Path) -> list[tuple[Path, Table]]:
    """The files of ``domain``'s contract at ``path`` (a folder, or one file), each with its
    table; LoadError when there are none. A log's file may have any name."""
    tables = DOMAINS[domain].tables
    if path.is_file() and DOMAINS[domain].appends:  # a log file may have any name
        return [(path, tables[0])]
    if path.is_file():
        matches = [table for table in tables if table.file == path.name]
        if not matches:
            names = ", ".join(table.file for table in tables)
            raise LoadError(
                f"{path}: not a file of the {domain} contract (expected one of {names})"
            )
        return [(path, matches[0])]
    if not path.is_dir():
        raise LoadError(f"{path}: no such file or directory")
    found = [(path / table.file, table) for table in tables if (path / table.file).is_file()]
    if not found:
        names = ", ".join(table.file for table in tables)
        raise LoadError(f"{path}: holds none of the {domain} files ({names})")
    return found


def load(
    conn: Connection,
    domain: str,
    path: Path,
    *more: Path,
    progress: bool = False,
    allow_empty: bool = False,
) -> list[LoadedFile]:
    """Load every file found in `path` and `more` (folders or files) into raw_<domain>.

    One call is one transaction: either every file is loaded, or (LoadError naming file,
    physical line, column, value and rule) none is. Snapshot tables are replaced; a file
    with a header and no rows may only empty a table that holds rows with `allow_empty`.
    Log tables (a domain whose mode is append) are appended, files loaded before (same
    SHA-256) skipped.
    Returns one LoadedFile per file, in the order given.
    """
    if domain not in DOMAINS:
        raise LoadError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    files: list[tuple[Path, Table]] = []
    for given in (Path(path), *map(Path, more)):
        files += files_for(domain, given)
    checked = []  # (file, table, delimiter, note): every header before any data
    for file, table in files:
        delimiter = detect_delimiter(file, table)
        checked.append((file, table, delimiter, check_header(file, table, delimiter)))
    create_raw_tables(conn, [domain])
    with conn.connect() as db, db.cursor() as cur:
        if DOMAINS[domain].appends:
            loaded = [
                append(cur, domain, file, table, delimiter, progress)
                for file, table, delimiter, _ in checked
            ]
        else:
            loaded = replace(cur, domain, checked, progress=progress, allow_empty=allow_empty)
        db.commit()
    return loaded
