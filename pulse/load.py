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
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import DOMAINS, Table, create_statements, raw_schema
from pulse.db import Connection

COPY_CHUNK = 1 << 20

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


def _fail(path: Path, line: int | None, column: str | None, rule: str) -> LoadError:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    return LoadError(f"{where}: {rule}")


def check_header(path: Path, table: Table, delimiter: str = ",") -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter))
        except StopIteration:
            raise _fail(path, 1, None, "the file is empty, a header row is expected") from None
        except UnicodeDecodeError as exc:
            raise _fail(path, 1, None, f"not UTF-8 text ({exc.reason})") from None
    header = [name.strip() for name in header]
    expected = table.column_names
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


def _copy_error(path: Path, exc: psycopg.Error) -> LoadError:
    """Turn COPY's own complaint (bad quoting, wrong field count, bad encoding) into ours."""
    diag = exc.diag
    context = diag.context or ""
    line = None
    column = None
    match = re.search(r"line (\d+)(?:, column (\w+))?", context)
    if match:
        line = int(match.group(1))
        column = match.group(2)
    rule = (diag.message_primary or str(exc)).strip()
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


def setup(conn: Connection, domains: list[str] | None = None) -> None:
    """Create every raw schema and table of the contracts (empty when new)."""
    with conn.connect() as db, db.cursor() as cur:
        for domain in domains or list(DOMAINS):
            for statement in create_statements(domain):
                cur.execute(statement)


def files_for(domain: str, path: Path) -> list[tuple[Path, Table]]:
    tables = DOMAINS[domain]
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


def load(conn: Connection, domain: str, path: Path) -> list[LoadedFile]:
    if domain not in DOMAINS:
        raise LoadError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    schema = raw_schema(domain)
    files = files_for(domain, Path(path))
    for file, table in files:
        check_header(file, table)
    setup(conn, [domain])
    loaded: list[LoadedFile] = []
    with conn.connect() as db, db.cursor() as cur:
        has_input_is_valid = db.info.server_version >= 160000
        landed = []
        for file, table in files:
            landing = _land(cur, file, table, ",")
            _check_types(cur, file, table, landing, has_input_is_valid)
            landed.append((file, table, landing))
        for file, table, landing in landed:
            loaded.append(LoadedFile(file, table.name, _replace(cur, schema, table, landing)))
        db.commit()
    return loaded
