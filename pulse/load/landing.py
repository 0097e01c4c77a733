"""The one path every file takes into PostgreSQL: header check, then COPY into a checking
landing table (see the package's docstring), then a cast to the contract's types.

A problem becomes a LoadError naming file, physical line, column and the rule broken.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pulse.contracts import Table
from pulse.load.rules import check_sql, violation

COPY_CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t")

# The SQLSTATE of COPY's refusal of a line's shape (field count, quoting)
_MALFORMED_LINE = "22P04"
# The SQLSTATE of a byte sequence that is not UTF-8
_NOT_UTF8 = "22021"


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


def fail(path: Path, line: int | None, column: str | None, rule: str) -> LoadError:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column}"
    return LoadError(f"{where}: {rule}")


@dataclass(frozen=True)
class Prefix:
    """The start of a file that is, byte for byte, a file loaded before."""

    file_name: str
    size: int  # bytes, ending at a line end
    lines: int  # physical lines in it, header included


def _header_line(path: Path) -> str:
    with path.open("rb") as handle:  # bytes: text mode would decode lines beyond the first
        raw = handle.readline()
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(path, 1, None, f"not UTF-8 text ({exc.reason})") from None
    if not line.strip():
        raise fail(path, 1, None, "the file is empty, a header row is expected")
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
            raise fail(
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
        raise fail(
            path,
            1,
            None,
            f"header has {len(header)} columns; {table.name} is read by position and has "
            f"{len(expected)} ({delimiter.join(expected)})",
        )
    for position, name in enumerate(expected, start=1):
        found = header[position - 1] if position <= len(header) else None
        if found != name:
            raise fail(
                path,
                1,
                f"{position} ({name})",
                f"header has {found!r} where the contract of {table.name} expects {name!r}"
                f" (expected header: {delimiter.join(expected)})",
            )
    if len(header) > len(expected):
        raise fail(
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
        reason = violation(domain, table, name, type_, value)
        if reason is None and column is None:
            continue
        return fail(
            path,
            field_line,
            f"{position} ({name})",
            f"value {value!r} is not a valid {type_}: {reason or 'refused by the contract'}",
        )
    rule = (diag.message_primary or str(exc)).strip()
    rule = rule.replace("extra data after last expected column", "more fields than the header")
    rule = rule.replace("missing data for column", "fewer fields than the header: no value for")
    return fail(path, line, None, rule)


def _utf8_error(path: Path, delimiter: str, before: bytes, lines: int, exc) -> LoadError:
    """An invalid byte at `exc.start` of `before`, after `lines` earlier line breaks."""
    head = before[: exc.start]
    line_start = head.rfind(b"\n") + 1
    prefix = head[line_start:].decode("utf-8", errors="replace")
    position = len(next(csv.reader([prefix], delimiter=delimiter), [""])) or 1
    byte = before[exc.start : exc.start + 1].hex()
    return fail(
        path,
        lines + head.count(b"\n") + 1,
        str(position),
        f"not UTF-8 text: byte 0x{byte} ({exc.reason})",
    )


def _stream(path: Path, write, bar, skip: Prefix | None = None) -> None:
    """Write the file's bytes to `write` without trailing blank lines.

    With `skip` (the part of a cumulative export loaded before): the header line, then only
    what follows that part. The server checks that the bytes are UTF-8 (COPY's encoding);
    when it refuses one, _first_invalid_utf8 reads the file again to name it.
    """
    held = b""  # trailing whitespace and line breaks, written once more text follows
    with path.open("rb") as handle:
        if skip is not None:
            write(handle.readline())
            handle.seek(skip.size)
        while chunk := handle.read(COPY_CHUNK):
            bar.update(len(chunk))
            text = held + chunk
            body = text.rstrip(b" \t\r\n")
            held = text[len(body) :]
            if body:
                write(body)
    # the end of the last line (its own trailing blanks and line break), not the blank
    # lines after it
    newline = held.find(b"\n")
    write(held if newline < 0 else held[: newline + 1])


def _first_invalid_utf8(path: Path, delimiter: str, skip: Prefix | None) -> LoadError | None:
    """The file's first byte that is not UTF-8 (after `skip`), as the error that names its
    line and column; None when every byte is UTF-8 (the server refused a NUL byte)."""
    pending = b""  # an incomplete UTF-8 sequence at the end of a chunk
    lines = skip.lines if skip else 0  # line breaks before `pending + chunk`
    with path.open("rb") as handle:
        handle.seek(skip.size if skip else 0)
        while chunk := handle.read(COPY_CHUNK):
            data = pending + chunk
            try:
                _, consumed = codecs.utf_8_decode(data, "strict", False)
            except UnicodeDecodeError as exc:
                return _utf8_error(path, delimiter, data, lines, exc)
            pending = data[consumed:]
            lines += data[:consumed].count(b"\n")
    try:
        codecs.utf_8_decode(pending, "strict", True)
    except UnicodeDecodeError as exc:
        return _utf8_error(path, delimiter, pending, lines, exc)
    return None


def land(
    cur: psycopg.Cursor,
    path: Path,
    domain: str,
    table: Table,
    delimiter: str,
    progress: bool = False,
    skip: Prefix | None = None,
) -> sql.Identifier:
    """COPY the file into a temporary all-text landing table that checks every value.

    Every typed column is text under a CHECK of the contract's format and range
    (rules.check_sql), named for its column; COPY evaluates it as it reads, so the first bad
    value stops it on its physical line (a failed CHECK names its column; a cast inside one
    that raised is traced to its column by checking the line's values again in Python).
    The server's own integer input alone does not decide the format: from PostgreSQL 16 on
    it also takes 0x1F and 1_000, which do not come back the same from its round trip.
    The transaction's DateStyle is set to ISO (output only), which the timestamps' round
    trip compares with. Raises LoadError naming file, physical line, column and rule.
    """
    landing = sql.Identifier(f"_land_{table.name}")
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names)
    definitions = [
        sql.SQL("{} text").format(sql.Identifier(name))
        if type_ == "text"
        else sql.SQL("{} text constraint {} check ({})").format(
            sql.Identifier(name),
            sql.Identifier(name),
            sql.SQL(check_sql(cur, domain, table, name, type_)),
        )
        for name, type_ in table.columns
    ]
    # the timestamps' round trip (rules._fast_path) compares with ISO output; `local`:
    # until the load's transaction ends (the field order, DMY or MDY, is kept)
    cur.execute("set local datestyle to 'ISO'")
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
            _stream(path, copier.write, bar, skip)
    except psycopg.Error as exc:
        if exc.sqlstate == _NOT_UTF8 and (problem := _first_invalid_utf8(path, delimiter, skip)):
            raise problem from None
        offset = skip.lines - 1 if skip else 0  # the header was sent, the lines after it not
        raise _copy_error(path, domain, table, delimiter, exc, offset) from None
    finally:
        bar.close()
    return landing


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


def casts(table: Table) -> sql.Composable:
    """The landing table's columns cast to their contract types (blank: null).

    A checked value that starts with a printable character is the value with at most
    blanks after it, which the type's input ignores: cast as is, without btrim() and
    nullif() (a third of the casts' cost).
    """
    return sql.SQL(", ").join(
        sql.SQL(
            "case when {col} collate \"C\" >= '!' then cast({col} as {type})"
            " else cast(nullif(btrim({col}), '') as {type}) end"
        ).format(col=sql.Identifier(name), type=sql.SQL(type_))
        if type_ != "text"
        else sql.Identifier(name)
        for name, type_ in table.columns
    )
