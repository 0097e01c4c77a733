"""`pulse load DOMAIN PATH…`: CSV files into the raw schema with COPY.

Every file of every domain goes through one checking path, the same on any PostgreSQL
from 15 on:

1. the header is checked against the contract (a table the contract reads by position
   only needs the right number of columns, and the load says so);
2. the file is streamed with COPY into a temporary all-text landing table while Python
   checks that its bytes are UTF-8 (an invalid byte is named by its physical line) and
   holds back trailing blank lines, which are ignored;
3. as COPY reads, a CHECK on every typed column of the landing table tests the value's
   format (the contract's regular expression, after a cheap test of the usual shape) and
   range (the width of an integer, a numeric column's plausible range, hours 00 to 23,
   and a day that exists, by the server's own cast, which raises on 30 February on any
   version) — not ``pg_input_is_valid``, which PostgreSQL 15 lacks, and not the server's
   integer input, which from 16 on also reads ``0x1F`` and ``1_000``. COPY stops on the
   first bad value with its physical line; Python then words the rule it breaks.

The first problem is reported as ``FILE, line N, column K (name): value 'v' …rule`` with
the physical line of the file (lines inside quoted fields counted) and nothing of the call
is loaded: every file of one call is written in one transaction, so a bad file leaves the
previous data of every table in place. Snapshot tables are replaced (reloading the same
files is idempotent); a file with a header and no rows does not empty a table that holds
rows unless ``allow_empty`` is set. Log tables (the shop) are appended, a file whose
checksum was loaded before is skipped.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import APPEND_DOMAINS, DOMAINS, Table, create_statements, raw_schema
from pulse.db import Connection

COPY_CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t")

# The formats the contracts allow, as PostgreSQL regular expressions over the trimmed
# value (PostgreSQL alone would read 04.01.2022 as a date), with how a refusal says it.
# A numeric has at most a three-digit exponent, so that its cast never overflows.
_FORMATS = {
    "integer": (r"^[+-]?[0-9]{1,10}$", "digits"),
    "bigint": (r"^[+-]?[0-9]{1,19}$", "digits"),
    "timestamp": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?$",
        "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]",
    ),
    "date": (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "YYYY-MM-DD"),
    "boolean": (r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[tTfF01])$", "true/false/t/f/1/0"),
    "numeric": (
        r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$",
        "a decimal number (NaN and Infinity are not numbers)",
    ),
}
# An append-domain log's timestamps: ISO 8601 with a T, whole seconds (the telemetry format).
_STRICT_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
    "YYYY-MM-DDTHH:MM:SS",
)

INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
# Every numeric column: at most a million billion in absolute value (a contract may narrow
# it, see Table.limits); larger values are export errors, not amounts.
NUMERIC_MAX_ABS = 10**15
# The SQLSTATE of COPY's refusal of a line's shape (field count, quoting)
_MALFORMED_LINE = "22P04"


class LoadError(Exception):
    """A file breaks its contract; the message names file, line, column and rule."""


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    table: str
    rows: int
    skipped_as: str | None = None  # set when the same file was loaded before (by checksum)
    note: str | None = None  # e.g. that the header was read by position
    continues: str | None = None  # set when its start was loaded before as this file


def _fail(path: Path, line: int | None, column: str | None, rule: str) -> LoadError:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    return LoadError(f"{where}: {rule}")


def _header_line(path: Path) -> str:
    with path.open("rb") as handle:  # bytes: text mode would decode lines beyond the first
        raw = handle.readline()
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, 1, None, f"not UTF-8 text ({exc.reason})") from None
    if not line.strip():
        raise _fail(path, 1, None, "the file is empty, a header row is expected")
    return line


def _split_header(line: str, delimiter: str) -> list[str]:
    return [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]


def detect_delimiter(path: Path, table: Table) -> str:
    """The separator whose split of the header gives the contract's columns (`,` `;` tab).

    A table read by position takes the separator that gives its number of columns.
    """
    line = _header_line(path)
    for delimiter in DELIMITERS:
        if _split_header(line, delimiter) == table.header_names:
            return delimiter
    if table.by_position:
        for delimiter in DELIMITERS:
            if len(_split_header(line, delimiter)) == len(table.columns):
                return delimiter
    # No separator fits: use the most frequent one, so the header check names the problem.
    return max(DELIMITERS, key=line.count)


def check_header(path: Path, table: Table, delimiter: str = ",") -> str | None:
    """Raise LoadError unless the header fits the contract; return a note when read by position."""
    header = _split_header(_header_line(path), delimiter)
    expected = table.header_names
    if table.by_position and len(header) == len(expected):
        if re.fullmatch(r"[+-]?[0-9]+", header[0]):  # loading it would lose its first row
            raise _fail(
                path,
                1,
                f"1 ({expected[0]})",
                f"the first line {delimiter.join(header)!r} is a row, not a header; "
                f"add the header line {delimiter.join(expected)}",
            )
        if header == expected:
            return None
        return f"header {delimiter.join(header)!r} read by position as {delimiter.join(expected)}"
    if table.by_position:
        raise _fail(
            path,
            1,
            None,
            f"header has {len(header)} columns; {table.name} is read by position and has "
            f"{len(expected)} ({delimiter.join(expected)})",
        )
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
    return None


def _record_at_line(path: Path, delimiter: str, line: int) -> tuple[list[str], int] | None:
    """The fields of the data record on physical line `line` and the line it starts on
    (a quoted field may span lines). Read again only when a problem was found."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        for fields in reader:
            if start <= line <= reader.line_num and start > 1:
                return fields, start
            start = reader.line_num + 1
    return None


def _copy_error(
    path: Path, domain: str, table: Table, delimiter: str, exc: psycopg.Error, line_offset: int = 0
) -> LoadError:
    """Turn COPY's complaint into ours: a value that breaks its column's rule (a CHECK of
    the landing table, named for its column, or a cast inside one that raised) with its
    value and rule in words; else bad quoting or a wrong field count, with the line."""
    diag = exc.diag
    match = re.search(r"line (\d+)", diag.context or "")
    # COPY counts the physical lines it was sent; `line_offset` lines of the file (an
    # earlier load's part of a cumulative export) were not sent
    line = int(match.group(1)) + line_offset if match else None
    column = diag.constraint_name if diag.constraint_name in table.column_names else None
    # the column its CHECK named, else (a check whose cast raised, as on 30 February)
    # every typed column of the record on that line, checked again in Python; not for a
    # malformed line (wrong field count, bad quoting), whose fields may be shifted
    candidates = [column] if column else [name for name, type_ in table.columns if type_ != "text"]
    malformed = diag.sqlstate == _MALFORMED_LINE
    record = _record_at_line(path, delimiter, line) if line and not malformed else None
    fields, start = record if record is not None else ([], 0)
    for name in candidates:
        position = table.column_names.index(name) + 1
        if position > len(fields):
            continue
        value = fields[position - 1]
        field_line = start + sum(field.count("\n") for field in fields[: position - 1])
        type_ = table.columns[position - 1][1]
        reason = _violation(domain, table, name, type_, value)
        if reason is None and column is None:
            continue
        return _fail(
            path,
            field_line,
            f"{position} ({name})",
            f"value {value!r} is not a valid {type_}: {reason or 'refused by the contract'}",
        )
    rule = (diag.message_primary or str(exc)).strip()
    rule = rule.replace("extra data after last expected column", "more fields than the header")
    rule = rule.replace("missing data for column", "fewer fields than the header: no value for")
    return _fail(path, line, None, rule)


def _utf8_error(path: Path, delimiter: str, before: bytes, lines: int, exc) -> LoadError:
    """An invalid byte at `exc.start` of `before`, after `lines` earlier line breaks."""
    head = before[: exc.start]
    line_start = head.rfind(b"\n") + 1
    prefix = head[line_start:].decode("utf-8", errors="replace")
    position = len(next(csv.reader([prefix], delimiter=delimiter), [""])) or 1
    byte = before[exc.start : exc.start + 1].hex()
    return _fail(
        path,
        lines + head.count(b"\n") + 1,
        str(position),
        f"not UTF-8 text: byte 0x{byte} ({exc.reason})",
    )


def _stream(path: Path, delimiter: str, write, bar, skip: _Prefix | None = None) -> None:
    """Write the file's bytes to `write`, checked as UTF-8, without trailing blank lines.

    With `skip` (the part of a cumulative export loaded before): the header line, then only
    what follows that part.
    """
    pending = b""  # an incomplete UTF-8 sequence at the end of a chunk
    held = b""  # trailing whitespace and line breaks, written once more text follows
    lines = 0  # line breaks before `pending + chunk`
    with path.open("rb") as handle:
        if skip is not None:
            write(handle.readline())
            handle.seek(skip.size)
            lines = skip.lines
        while chunk := handle.read(COPY_CHUNK):
            bar.update(len(chunk))
            data = pending + chunk
            try:
                _, consumed = codecs.utf_8_decode(data, "strict", False)
            except UnicodeDecodeError as exc:
                raise _utf8_error(path, delimiter, data, lines, exc) from None
            pending = data[consumed:]
            complete = data[:consumed]
            lines += complete.count(b"\n")
            text = held + complete
            body = text.rstrip(b" \t\r\n")
            held = text[len(body) :]
            if body:
                write(body)
    if pending:
        try:
            codecs.utf_8_decode(pending, "strict", True)
        except UnicodeDecodeError as exc:
            raise _utf8_error(path, delimiter, pending, lines, exc) from None
    # the end of the last line (its own trailing blanks and line break), not the blank
    # lines after it
    newline = held.find(b"\n")
    write(held if newline < 0 else held[: newline + 1])


def _land(
    cur: psycopg.Cursor,
    path: Path,
    domain: str,
    table: Table,
    delimiter: str,
    progress: bool = False,
    skip: _Prefix | None = None,
) -> sql.Identifier:
    """COPY the file into a temporary all-text landing table that checks every value.

    Every typed column is text under a CHECK of the contract's format and range
    (_check_sql), named for its column; COPY evaluates it as it reads, so the first bad
    value stops it on its physical line. (The server's own integer input is not used for
    the format: from PostgreSQL 16 on it also takes 0x1F and 1_000.)
    """
    landing = sql.Identifier(f"_land_{table.name}")
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    definitions = [
        sql.SQL("{} text").format(sql.Identifier(name))
        if type_ == "text"
        else sql.SQL("{} text constraint {} check ({})").format(
            sql.Identifier(name),
            sql.Identifier(name),
            sql.SQL(_check_sql(cur, domain, table, name, type_)),
        )
        for name, type_ in table.columns
    ]
    cur.execute(sql.SQL("drop table if exists {}").format(landing))
    cur.execute(
        sql.SQL("create temp table {} ({})").format(landing, sql.SQL(", ").join(definitions))
    )
    options = sql.SQL("format csv, header true, delimiter {}, encoding 'UTF8'").format(
        sql.Literal(delimiter)
    )
    copy = sql.SQL("copy {} ({}) from stdin with ({})").format(landing, columns, options)
    bar = _progress_bar(path, progress)
    try:
        with cur.copy(copy) as copier:
            _stream(path, delimiter, copier.write, bar, skip)
    except psycopg.Error as exc:
        offset = skip.lines - 1 if skip else 0  # the header was sent, the lines after it not
        raise _copy_error(path, domain, table, delimiter, exc, offset) from None
    finally:
        bar.close()
    return landing


def _text_at(value: str, at: int, length: int) -> str:
    """SQL: `length` characters of `value` from `at` (1-based), compared as plain text."""
    return f'substr({value}, {at}, {length}) collate "C"'


def _in_range(type_: str, value: str) -> str | None:
    """SQL: a value already in its format is in its type's range (None: every one is).

    A day that does not exist (30 February, 2021-02-29, month 13, year 0000) makes the
    server's own cast raise, on every version: COPY stops on that line, and the value is
    then worded in Python (_violation). Hours 24 and seconds 60, which the cast would roll
    over, are refused here as text.
    """
    if type_ in INTEGER_RANGES:
        low, high = INTEGER_RANGES[type_]
        fits = len(str(high)) - 1  # this many characters (sign included) always fit
        return f"(length({value}) <= {fits} or cast({value} as numeric) between {low} and {high})"
    if type_ == "date":
        return f"cast({value} as date) is not null"
    if type_ == "timestamp":
        # the cast refuses minute 60 but rolls hour 24 and second 60 over: refused as text
        hour, second = _text_at(value, 12, 2), _text_at(value, 18, 2)
        return (
            f"(length({value}) < 13 or ({hour} < '24'"
            f" and (length({value}) < 19 or {second} < '60')))"
            f" and cast({value} as timestamp) is not null"
        )
    if type_ == "numeric":
        return f"cast({value} as numeric) between -{NUMERIC_MAX_ABS} and {NUMERIC_MAX_ABS}"
    return None


def _pattern(domain: str, type_: str) -> tuple[str, str]:
    """The format of a type's values (regular expression, in words) in a domain's files."""
    if type_ == "timestamp" and domain in APPEND_DOMAINS:
        return _STRICT_TIMESTAMP
    return _FORMATS[type_]


def _limits(table: Table, name: str) -> tuple[float | None, float | None] | None:
    return next(((low, high) for column, low, high in table.limits if column == name), None)


# Shapes most values come in (digits as 0), checked with translate() before the format's
# regular expression, which costs several times more: an optional fast path.
_DIGITS = "'0123456789'"
_USUAL_SHAPES = {
    "integer": f"translate({{v}}, {_DIGITS}, '') = ''",
    "bigint": f"translate({{v}}, {_DIGITS}, '') = ''",
    "numeric": f"translate({{v}}, {_DIGITS}, '') in ('', '.')",
    "date": f"translate({{v}}, {_DIGITS}, '0000000000') = '0000-00-00'",
    "timestamp": (
        f"translate({{v}}, {_DIGITS}, '0000000000')"
        " in ('0000-00-00 00:00:00', '0000-00-00 00:00:00.000')"
    ),
}
_USUAL_STRICT_TIMESTAMP = f"translate({{v}}, {_DIGITS}, '0000000000') = '0000-00-00T00:00:00'"


def _check_sql(cur: psycopg.Cursor, domain: str, table: Table, name: str, type_: str) -> str:
    """SQL of the CHECK on a text landing column: empty, or in format, range and limits.

    A CASE, so that the range is only computed for a value in the right format. A value
    as it usually comes (its usual shape, no blanks around it) takes the cheap paths; a
    shape that passes translate() but not the cast (a lone '.') makes the cast raise,
    and COPY stops on that line all the same.
    """
    column = sql.Identifier(name).as_string(cur)
    pattern = sql.Literal(_pattern(domain, type_)[0]).as_string(cur)

    def valid(value: str) -> str:
        limits = _limits(table, name)
        if limits is None:
            return _in_range(type_, value) or "true"
        # a plausible range narrows the type's: one cast checks both
        low, high = limits
        low = -NUMERIC_MAX_ABS if low is None else max(low, -NUMERIC_MAX_ABS)
        high = NUMERIC_MAX_ABS if high is None else min(high, NUMERIC_MAX_ABS)
        return f"cast({value} as numeric) between {low} and {high}"

    usual = _USUAL_SHAPES.get(type_)
    if type_ == "timestamp" and domain in APPEND_DOMAINS:
        usual = _USUAL_STRICT_TIMESTAMP
    fast = f"when {usual.format(v=column)} then {valid(column)} " if usual else ""
    trimmed = f"btrim({column})"
    return (
        f"case when {column} is null or {column} = '' then true {fast}"
        f"when {column} ~ {pattern} then {valid(column)}"
        f" when {trimmed} = '' then true"
        f" when {trimmed} ~ {pattern} then {valid(trimmed)}"
        " else false end"
    )


def _violation(domain: str, table: Table, name: str, type_: str, value: str) -> str | None:
    """In words, the rule a value breaks (format, range, plausible range); None if none.

    The same rules as the landing table's checks, in Python: they word what COPY found.
    """
    text = value.strip()
    if not text or type_ == "text":
        return None
    pattern, shape = _pattern(domain, type_)
    if not re.fullmatch(pattern, text):
        return f"expected {shape}"
    reason = _range_problem(type_, text)
    if reason:
        return reason
    limits = _limits(table, name)
    if limits is None:
        return None
    low, high = limits
    if (low is None or Decimal(text) >= low) and (high is None or Decimal(text) <= high):
        return None
    bounds = " and ".join(
        words
        for words in (
            None if low is None else f"at least {low:,}",
            None if high is None else f"at most {high:,}",
        )
        if words
    )
    return f"outside the plausible range of {table.name}.{name} ({bounds})"


def _range_problem(type_: str, value: str) -> str | None:
    """Why a value in its type's format is out of the type's range; None if it is not."""
    if type_ in INTEGER_RANGES:
        low, high = INTEGER_RANGES[type_]
        return None if low <= int(value) <= high else f"out of the {type_} range ({low} to {high})"
    if type_ == "numeric":
        if abs(Decimal(value)) <= NUMERIC_MAX_ABS:
            return None
        return f"out of range (the contracts allow at most {NUMERIC_MAX_ABS:.0e} in absolute value)"
    if type_ not in ("date", "timestamp"):
        return None
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
    if year < 1:
        return "there is no year 0000"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"there is no day {day:02d}: {calendar.month_name[month]} {year} has {days} days"
    for name, start, top in (("hour", 11, 23), ("minute", 14, 59), ("second", 17, 59)):
        part = value[start : start + 2]
        if part and int(part) > top:
            return f"there is no {name} {part} (00 to {top})"
    return None


def _casts(table: Table) -> sql.Composable:
    """The landing table's columns cast to their contract types (blank: null)."""
    return sql.SQL(", ").join(
        sql.SQL("cast(nullif(btrim({col}), '') as {type})").format(
            col=sql.Identifier(name), type=sql.SQL(type_)
        )
        if type_ != "text"
        else sql.Identifier(name)
        for name, type_ in table.columns
    )


def _replace(
    cur: psycopg.Cursor,
    schema: str,
    table: Table,
    landing: sql.Identifier,
    path: Path,
    allow_empty: bool,
) -> int:
    target = sql.Identifier(schema, table.name)
    landed = cur.execute(sql.SQL("select count(*) from {}").format(landing)).fetchone()[0]
    if landed == 0 and not allow_empty:
        held = cur.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
        if held:
            raise _fail(
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
            target, columns, _casts(table), landing
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
    cur: psycopg.Cursor, domain: str, file: Path, table: Table, delimiter: str, progress: bool
) -> LoadedFile:
    """Append a log file to its raw table, in the caller's transaction.

    The file takes the checking path of every load (landing table, format and range
    checks). A file whose checksum was loaded before is skipped: loading the same file
    twice adds nothing.
    """
    schema = raw_schema(domain)
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
    landing = _land(cur, file, domain, table, delimiter, progress, skip=prefix)
    cur.execute(
        sql.SQL(
            "insert into {} ({}, _source_file, _loaded_at) select {}, {}, now() from {}"
        ).format(target, columns, _casts(table), sql.Literal(file.name), landing)
    )
    rows = cur.rowcount
    # the earliest time of the log (its strict format sorts as text in time order):
    # how far back the incremental models must reprocess to take this file in
    first_event_at = cur.execute(
        sql.SQL("select cast(min(nullif(btrim({}), '')) as timestamp) from {}").format(
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
    Log tables (APPEND_DOMAINS) are appended, files loaded before (same SHA-256) skipped.
    Returns one LoadedFile per file, in the order given.
    """
    if domain not in DOMAINS:
        raise LoadError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    schema = raw_schema(domain)
    files: list[tuple[Path, Table]] = []
    for given in (Path(path), *map(Path, more)):
        files += files_for(domain, given)
    if domain not in APPEND_DOMAINS:
        by_table: dict[str, Path] = {}
        for file, table in files:
            if table.name in by_table and by_table[table.name].resolve() != file.resolve():
                raise LoadError(
                    f"{by_table[table.name]} and {file} would both replace "
                    f"{schema}.{table.name}: give one of them"
                )
            by_table[table.name] = file
        files = list({file.resolve(): (file, table) for file, table in files}.values())
    delimiters, notes = {}, {}
    for file, table in files:
        delimiters[file] = detect_delimiter(file, table)
        notes[file] = check_header(file, table, delimiters[file])
    setup(conn, [domain])
    loaded: list[LoadedFile] = []
    with conn.connect() as db, db.cursor() as cur:
        if domain in APPEND_DOMAINS:
            for file, table in files:
                loaded.append(_append(cur, domain, file, table, delimiters[file], progress))
        else:
            landed = []
            for file, table in files:
                landing = _land(cur, file, domain, table, delimiters[file], progress)
                landed.append((file, table, landing))
            for file, table, landing in landed:
                rows = _replace(cur, schema, table, landing, file, allow_empty)
                loaded.append(LoadedFile(file, table.name, rows, note=notes[file]))
        db.commit()
    return loaded
