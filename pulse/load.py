"""`pulse load DOMAIN PATH`: CSV files into the raw schema with COPY.

Every file is first copied into a temporary all-text landing table and checked there (in
SQL, so that it scales to large files): the header, the number of fields per line, and
that every value casts to its contract type. The first problem found is reported with the
file, line and column and the rule it breaks, and nothing is loaded. Only when every file
of the call is clean are the raw tables replaced, all in one transaction, so reloading the
same files is idempotent and a failed load leaves the previous data in place.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import APPEND_DOMAINS, DOMAINS, Table, create_statements, raw_schema
from pulse.db import Connection

COPY_CHUNK = 1 << 20

# An append-domain log's timestamps: ISO 8601 with a T, whole seconds (the telemetry format).
_STRICT_TIMESTAMP = r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$"

# The formats the contracts allow; pg_input_is_valid (PostgreSQL 16+) then checks ranges.
_PATTERNS = {
    "integer": r"^\s*[+-]?[0-9]{1,10}\s*$",
    "timestamp": (
        r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?\s*$"
    ),
    "date": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$",
    "boolean": r"(?i)^\s*(true|false|t|f|1|0)\s*$",
    "numeric": r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$",
}


class LoadError(Exception):
    """A file breaks its contract; the message names file, line, column and rule."""


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    table: str
    rows: int
    skipped_as: str | None = None  # set when the same file was loaded before (by checksum)
    continues: str | None = None  # set when its start was loaded before as this file


def _fail(path: Path, line: int | None, column: str | None, rule: str) -> LoadError:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    return LoadError(f"{where}: {rule}")


DELIMITERS = (",", ";", "\t")


def _header_line(path: Path) -> str:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            line = handle.readline()
        except UnicodeDecodeError as exc:
            raise _fail(path, 1, None, f"not UTF-8 text ({exc.reason})") from None
    if not line.strip():
        raise _fail(path, 1, None, "the file is empty, a header row is expected")
    return line


def detect_delimiter(path: Path, table: Table) -> str:
    """The separator whose split of the header gives the contract's columns (`,` `;` tab)."""
    line = _header_line(path)
    for delimiter in DELIMITERS:
        names = [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]
        if names == table.header_names:
            return delimiter
    # No separator fits: use the most frequent one, so the header check names the problem.
    return max(DELIMITERS, key=line.count)


def check_header(path: Path, table: Table, delimiter: str = ",") -> None:
    header = next(csv.reader([_header_line(path)], delimiter=delimiter))
    header = [name.strip() for name in header]
    expected = table.header_names
    for position, name in enumerate(expected, start=1):
        found = header[position - 1] if position <= len(header) else None
        if found != name:
            raise _fail(
                path,
                1,
                f"{position} ({name})",
                f"header has {found!r} where the contract of {table.name} expects {name!r}"
                f" (expected header: {delimiter.join(expected)})",
            )
    if len(header) > len(expected):
        raise _fail(
            path,
            1,
            f"{len(expected) + 1}",
            f"header has extra column {header[len(expected)]!r}; {table.name} has "
            f"{len(expected)} columns",
        )


def _copy_error(path: Path, exc: psycopg.Error, line_offset: int = 0) -> LoadError:
    """Turn COPY's own complaint (bad quoting, wrong field count, bad encoding) into ours."""
    diag = exc.diag
    context = diag.context or ""
    line = None
    column = None
    match = re.search(r"line (\d+)(?:, column (\w+))?", context)
    if match:
        line = int(match.group(1)) + line_offset
        column = match.group(2)
    rule = (diag.message_primary or str(exc)).strip()
    if diag.constraint_name:  # a format CHECK of a landing table, named for its rule
        column = diag.constraint_name.split(" ")[0]
        rule = f"value is not in the contract's format ({diag.constraint_name})"
    rule = rule.replace("extra data after last expected column", "more fields than the header")
    rule = rule.replace("missing data for column", "fewer fields than the header: no value for")
    return _fail(path, line, column, rule)


def _land(cur: psycopg.Cursor, path: Path, table: Table, delimiter: str) -> str:
    landing = f"_land_{table.name}"
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(landing)))
    cur.execute(
        sql.SQL("create temp table {} (_line bigint generated always as identity, {})").format(
            sql.Identifier(landing),
            sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(name)) for name in table.column_names
            ),
        )
    )
    copy = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, delimiter {}, encoding 'UTF8')"
    ).format(sql.Identifier(landing), columns, sql.Literal(delimiter))
    cur.execute("savepoint land")
    try:
        with cur.copy(copy) as copier, path.open("rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                copier.write(chunk)
    except psycopg.Error as exc:
        cur.execute("rollback to savepoint land")
        raise _copy_error(path, exc) from None
    return landing


def _check_types(
    cur: psycopg.Cursor, path: Path, table: Table, landing: str, has_input_is_valid: bool
) -> None:
    for position, (name, type_) in enumerate(table.columns, start=1):
        if type_ == "text":
            continue
        # The contract's format first (PostgreSQL alone would read 04.01.2022 as a
        # date), then, where the server can tell, that the value really casts (no 30 Feb).
        invalid = sql.SQL("{col} !~ {pattern}").format(
            col=sql.Identifier(name), pattern=sql.Literal(_PATTERNS[type_])
        )
        if has_input_is_valid:
            invalid = sql.SQL("({} or not pg_input_is_valid(btrim({}), {}))").format(
                invalid, sql.Identifier(name), sql.Literal(type_)
            )
        query = sql.SQL(
            "select _line, {col} from {landing} "
            "where nullif(btrim({col}), '') is not null and {invalid} order by _line limit 1"
        ).format(col=sql.Identifier(name), landing=sql.Identifier(landing), invalid=invalid)
        bad = cur.execute(query).fetchone()
        if bad:
            line_no, value = bad
            raise _fail(
                path,
                line_no + 1,  # + the header line
                f"{position} ({name})",
                f"value {value!r} is not a valid {type_}",
            )


def _replace(cur: psycopg.Cursor, schema: str, table: Table, landing: str) -> int:
    target = sql.Identifier(schema, table.name)
    casts = sql.SQL(", ").join(
        sql.SQL("cast(nullif(btrim({col}), '') as {type})").format(
            col=sql.Identifier(name), type=sql.SQL(type_)
        )
        if type_ != "text"
        else sql.Identifier(name)
        for name, type_ in table.columns
    )
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    cur.execute(sql.SQL("truncate {}").format(target))
    cur.execute(
        sql.SQL("insert into {} ({}) select {} from {} order by _line").format(
            target, columns, casts, sql.Identifier(landing)
        )
    )
    return cur.rowcount


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK * 8):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Prefix:
    """The start of a file that is, byte for byte, a file loaded before."""

    file_name: str
    size: int  # bytes, ending at a line end
    lines: int  # physical lines in it, header included


def _loaded_prefix(cur: psycopg.Cursor, schema: str, file: Path) -> _Prefix | None:
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
                        found = _Prefix(name, position, lines)
                if not pending:
                    break
    return found


def _append(
    conn: Connection, domain: str, file: Path, table: Table, delimiter: str, progress: bool
) -> LoadedFile:
    """Append a log file with one typed COPY straight into the raw table.

    PostgreSQL's own COPY errors name the line and column of a bad value; the whole file
    is one transaction, so a bad file adds nothing. A file whose checksum was loaded
    before is skipped: loading the same file twice adds nothing.
    """
    schema = raw_schema(domain)
    checksum = _sha256(file)
    target = sql.Identifier(schema, table.name)
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    with conn.connect() as db, db.cursor() as cur:
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
        # One streaming pass: COPY into a temporary landing table, typed except for the
        # timestamps, which stay text under a CHECK of the contract's format (PostgreSQL
        # alone would read '2021-12-07Tx00:01:13' or '04.01.2022' as a time). COPY names
        # the line of the first value that fails either way.
        landing = sql.Identifier(f"_land_{table.name}")
        cur.execute(sql.SQL("drop table if exists {}").format(landing))
        cur.execute(
            sql.SQL("create temp table {} ({})").format(
                landing,
                sql.SQL(", ").join(
                    sql.SQL("{} text constraint {} check ({} ~ {})").format(
                        sql.Identifier(name),
                        sql.Identifier(f"{name} is not YYYY-MM-DDTHH:MM:SS"),
                        sql.Identifier(name),
                        sql.Literal(_STRICT_TIMESTAMP),
                    )
                    if type_ == "timestamp"
                    else sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_))
                    for name, type_ in table.columns
                ),
            )
        )
        copy = sql.SQL(
            "copy {} ({}) from stdin with (format csv, header true, delimiter {})"
        ).format(landing, columns, sql.Literal(delimiter))
        bar = _progress_bar(file, progress)
        try:
            with cur.copy(copy) as copier, file.open("rb") as handle:
                if prefix:  # the header, then what follows the part loaded before
                    copier.write(handle.readline())
                    handle.seek(prefix.size)
                while chunk := handle.read(COPY_CHUNK):
                    copier.write(chunk)
                    bar.update(len(chunk))
            cur.execute(
                sql.SQL(
                    "insert into {} ({}, _source_file, _loaded_at) select {}, {}, now() from {}"
                ).format(
                    target,
                    columns,
                    sql.SQL(", ").join(
                        sql.SQL("cast({} as timestamp)").format(sql.Identifier(name))
                        if type_ == "timestamp"
                        else sql.Identifier(name)
                        for name, type_ in table.columns
                    ),
                    sql.Literal(file.name),
                    landing,
                )
            )
        except psycopg.Error as exc:
            db.rollback()
            raise _copy_error(file, exc, prefix.lines - 1 if prefix else 0) from None
        finally:
            bar.close()
        rows = cur.rowcount
        # the earliest time of the log (its strict format sorts as text in time order):
        # how far back the incremental models must reprocess to take this file in
        first_event_at = cur.execute(
            sql.SQL("select cast(min({}) as timestamp) from {}").format(
                sql.Identifier(table.time_column), landing
            )
        ).fetchone()[0]
        cur.execute(sql.SQL("drop table {}").format(landing))
        cur.execute(
            sql.SQL(
                "insert into {} (file_name, sha256, rows, loaded_at, first_event_at, bytes) "
                "values (%s, %s, %s, now(), %s, %s)"
            ).format(sql.Identifier(schema, "_loads")),
            (file.name, checksum, rows, first_event_at, file.stat().st_size),
        )
        db.commit()
    return LoadedFile(file, table.name, rows, continues=prefix.file_name if prefix else None)


def _progress_bar(file: Path, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=file.stat().st_size,
        unit="B",
        unit_scale=True,
        desc=f"COPY {file.name}",
        disable=not enabled,
        leave=False,
    )


def setup(conn: Connection, domains: list[str] | None = None) -> None:
    """Create every raw schema and table of the contracts (empty when new).

    The full setup (no ``domains``: `pulse setup`) also makes the BI role; a load, which
    sets up only its domain, never touches roles.
    """
    from pulse.access import ensure_bi_role

    if domains is None:
        ensure_bi_role(conn)
    with conn.connect() as db, db.cursor() as cur:
        for domain in domains or list(DOMAINS):
            for statement in create_statements(domain):
                cur.execute(statement)
            if domain in APPEND_DOMAINS:
                _record_first_event_times(cur, domain)


def _record_first_event_times(cur: psycopg.Cursor, domain: str) -> None:
    """Fill first_event_at of the files loaded before the ledger recorded it (once).

    Only the loads older than the first one that recorded it: a later file without a
    single timestamp keeps its null instead of costing a scan of the log on every load.
    """
    schema = raw_schema(domain)
    table = DOMAINS[domain][0]
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


def files_for(domain: str, path: Path) -> list[tuple[Path, Table]]:
    tables = DOMAINS[domain]
    if path.is_file() and domain in APPEND_DOMAINS:  # a log file may have any name
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
    conn: Connection, domain: str, path: Path, *more: Path, progress: bool = False
) -> list[LoadedFile]:
    if domain not in DOMAINS:
        raise LoadError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    schema = raw_schema(domain)
    if domain in APPEND_DOMAINS:
        setup(conn, [domain])
        loaded = []
        for file in (Path(path), *map(Path, more)):
            for one, table in files_for(domain, file):
                delimiter = detect_delimiter(one, table)
                check_header(one, table, delimiter)
                loaded.append(_append(conn, domain, one, table, delimiter, progress))
        return loaded
    files = files_for(domain, Path(path))
    delimiters = {}
    for file, table in files:
        delimiters[file] = detect_delimiter(file, table)
        check_header(file, table, delimiters[file])
    setup(conn, [domain])
    loaded: list[LoadedFile] = []
    with conn.connect() as db, db.cursor() as cur:
        has_input_is_valid = db.info.server_version >= 160000
        landed = []
        for file, table in files:
            landing = _land(cur, file, table, delimiters[file])
            _check_types(cur, file, table, landing, has_input_is_valid)
            landed.append((file, table, landing))
        for file, table, landing in landed:
            loaded.append(LoadedFile(file, table.name, _replace(cur, schema, table, landing)))
        db.commit()
    return loaded
