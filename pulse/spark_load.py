"""`pulse load shop FILE` on Spark (PULSE_ENGINE=spark): Spark reads and appends the CSV.

The same contract as on PostgreSQL (pulse/contracts.py), the same rules, the same ledger:

- the header is checked first (pulse.load.check_header: one line of the file);
- Spark reads the file itself through a temporary CSV view (every column as text, plus
  Spark's corrupt-record column for rows of the wrong shape), checks every value with
  ``try_cast`` and the timestamps with the contract's strict format, and appends the typed
  rows to the parquet table ``raw_shop.telemetry`` with ``_source_file`` and ``_loaded_at``;
- a file that breaks a rule loads nothing: the refusal names the file, physical line,
  column and rule (Spark finds the first bad value; its line is then looked up by reading
  the file up to that row);
- the ledger ``raw_shop._loads`` (file name, sha256, rows, loaded_at, first_event_at)
  makes a second load of the same file a no-op.

Spark has no transactions across two tables, so the rows and the ledger row cannot be
committed at once as on PostgreSQL. Instead the log table is partitioned by
``_source_file`` and a file's rows replace its own partition (``insert overwrite … partition``)
before its ledger row is written: were the process killed between the two, the re-load
finds no ledger row and replaces the partition again, so no row is loaded twice. (A file
with the name of an already ledgered one but other contents is appended to that partition;
were such a load interrupted, the re-load refuses with the partition's name, since Spark
cannot rewrite a partition it reads from.)
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pulse.contracts import LOAD_COLUMNS
from pulse.domains import DOMAINS
from pulse.load import LoadedFile, LoadError, check_header, detect_delimiter, files_for

DOMAIN = "shop"
SCHEMA = "raw_shop"
# the contract's types on Spark: numeric values as exact decimals, times as timestamps
# (the session time zone is UTC, so a naive time is kept as written)
SPARK_TYPES = {
    "bigint": "bigint",
    "integer": "int",
    "text": "string",
    "numeric": "decimal(38,9)",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
}
STRICT_TIMESTAMP = r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$"
CORRUPT = "_corrupt_record"


@dataclass(frozen=True)
class Refusal:
    column: str | None  # None: the row's shape (field count, quoting)
    rule: str
    raw_value: str | None
    row_index_text: str | None


def create_statements() -> list[str]:
    """DDL of the raw schema, table and ledger on Spark (idempotent)."""
    table = DOMAINS[DOMAIN].tables[0]
    columns = ", ".join(
        f"`{name}` {SPARK_TYPES[type_]}" for name, type_ in table.columns + LOAD_COLUMNS
    )
    return [
        f"create database if not exists {SCHEMA}",
        f"create table if not exists {SCHEMA}.{table.name} ({columns}) using parquet "
        "partitioned by (_source_file)",
        f"create table if not exists {SCHEMA}._loads (file_name string, sha256 string, "
        "rows bigint, loaded_at timestamp, first_event_at timestamp) using parquet",
    ]


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check_sql(view: str, columns: tuple[tuple[str, str], ...]) -> str:
    """One row per broken rule, in file order of the columns: (column, rule, value, index)."""
    index = f"`{columns[0][0]}`"
    parts = [
        f"select 0 as position, cast(null as string) as column_name, "
        f"'a row of the wrong shape (field count or quoting)' as rule, "
        f"first({CORRUPT}) as raw_value, cast(null as string) as row_index "
        f"from {view} where {CORRUPT} is not null having count(*) > 0"
    ]
    for position, (name, type_) in enumerate(columns, start=1):
        column = f"`{name}`"
        if type_ == "text":
            continue
        if type_ == "timestamp":
            strict = _literal(STRICT_TIMESTAMP)
            bad = f"not ({column} rlike {strict}) or try_cast({column} as timestamp) is null"
            rule = "value is not a time YYYY-MM-DDTHH:MM:SS"
        else:
            spark_type = SPARK_TYPES[type_]
            bad = f"try_cast({column} as {spark_type}) is null"
            rule = f"value is not a {type_}"
            if type_ == "numeric":
                bad += f" or {column} rlike '[.][0-9]{{10,}}'"
                rule += " with at most 9 decimals"
        parts.append(
            f"select {position} as position, {_literal(name)} as column_name, "
            f"{_literal(rule)} as rule, first({column}) as raw_value, "
            f"first({index}) as row_index from {view} "
            f"where {CORRUPT} is null and {column} is not null and ({bad}) having count(*) > 0"
        )
    return " union all ".join(parts) + " order by position"


def _locate(path: Path, delimiter: str, header: list[str], refusal: Refusal) -> int | None:
    """The physical line of the first row that shows the refused value (None if not found)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if refusal.column is None:
                if len(row) != len(header):
                    return start
                continue
            position = header.index(refusal.column)
            if position < len(row) and row[position] == refusal.raw_value:
                return start
    return None


def _append(cursor, path: Path, delimiter: str) -> LoadedFile:
    table = DOMAINS[DOMAIN].tables[0]
    with path.open("rb") as handle:
        checksum = hashlib.file_digest(handle, "sha256").hexdigest()
    cursor.execute(f"select file_name from {SCHEMA}._loads where sha256 = {_literal(checksum)}")
    seen = cursor.fetchall()
    if seen:
        return LoadedFile(path, table.name, 0, skipped_as=seen[0][0])
    view = f"_land_{table.name}"
    schema = ", ".join(f"`{name}` string" for name in table.column_names)
    options = {
        "path": f"file://{path.resolve()}",
        "header": "true",
        "sep": delimiter,
        "encoding": "UTF-8",
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": CORRUPT,
        "enforceSchema": "true",
        "ignoreLeadingWhiteSpace": "false",
        "ignoreTrailingWhiteSpace": "false",
    }
    cursor.execute(
        f"create or replace temporary view {view} ({schema}, {CORRUPT} string) using csv "
        f"options ({', '.join(f'{key} {_literal(value)}' for key, value in options.items())})"
    )
    cursor.execute(f"cache table {view}")
    try:
        cursor.execute(_check_sql(view, table.columns))
        broken = cursor.fetchall()
        if broken:
            _, column, rule, raw_value, row_index = broken[0]
            refusal = Refusal(column, rule, raw_value, row_index)
            line = _locate(path, delimiter, table.column_names, refusal)
            where = f"{path}" + (f", line {line}" if line else "")
            where += f", column {column}" if column else ""
            shown = f" ({raw_value!r})" if column else ""
            raise LoadError(f"{where}: {rule}{shown}")
        casts = ", ".join(
            f"cast(`{name}` as timestamp)"
            if type_ == "timestamp"
            else f"cast(`{name}` as {SPARK_TYPES[type_]})"
            for name, type_ in table.columns
        )
        cursor.execute(
            f"select count(*), min(cast(`{table.time_column}` as timestamp)), "
            f"current_timestamp() from {view}"
        )
        rows, first_event_at, loaded_at = cursor.fetchall()[0]
        loaded_at_sql = f"cast({_literal(str(loaded_at))} as timestamp)"
        partition = f"{SCHEMA}.{table.name} partition (_source_file = {_literal(path.name)})"
        cursor.execute(
            f"{_verb(cursor, path)} {partition} select {casts}, {loaded_at_sql} from {view}"
        )
        first = (
            "null"
            if first_event_at is None
            else f"cast({_literal(str(first_event_at))} as timestamp)"
        )
        cursor.execute(
            f"insert into {SCHEMA}._loads values ({_literal(path.name)}, {_literal(checksum)}, "
            f"{rows}, {loaded_at_sql}, {first})"
        )
    finally:
        cursor.execute(f"uncache table if exists {view}")
        cursor.execute(f"drop view if exists {view}")
    return LoadedFile(path, table.name, rows)


def _verb(cursor, path: Path) -> str:
    """How the file's rows go into its partition of the log (see the module's docstring).

    ``insert overwrite table`` when no ledgered load has this file name: a partition left
    by an interrupted load of it is replaced. ``insert into table`` when one has, after
    checking that every row of the partition belongs to a ledgered load (else LoadError).
    """
    table, name = DOMAINS[DOMAIN].tables[0].name, _literal(path.name)
    cursor.execute(f"select count(*) from {SCHEMA}._loads where file_name = {name}")
    if cursor.fetchall()[0][0] == 0:
        return "insert overwrite table"
    cursor.execute(
        f"select count(*) from {SCHEMA}.{table} where _source_file = {name} and _loaded_at "
        f"not in (select loaded_at from {SCHEMA}._loads where file_name = {name})"
    )
    if cursor.fetchall()[0][0]:
        raise LoadError(
            f"{path}: an earlier load of a file named {path.name} stopped before its ledger "
            f"row; its rows are in {SCHEMA}.{table} partition _source_file={path.name}. "
            "Load this file under another name, or drop that partition and reload the "
            "files of that name"
        )
    return "insert into table"


def _check_layout(cursor) -> None:
    """Raise LoadError when the log table predates its partitioning by file."""
    table = DOMAINS[DOMAIN].tables[0].name
    cursor.execute(f"describe table {SCHEMA}.{table}")
    if not any(str(row[0]).startswith("# Partition") for row in cursor.fetchall()):
        raise LoadError(
            f"{SCHEMA}.{table} was created by an earlier Pulse, without partitions by "
            "_source_file: run `pulse spark stop`, remove the Spark folder "
            "(.pulse/spark or PULSE_SPARK_DIR) and load the files again"
        )


def setup() -> None:
    """Create raw_shop, its log table and ledger on Spark (empty; idempotent)."""
    from pulse import spark

    connection = spark.connect(start=True)
    try:
        cursor = connection.cursor()
        for statement in create_statements():
            cursor.execute(statement)
    finally:
        connection.close()


def load(paths: list[Path]) -> list[LoadedFile]:
    """Append the shop log files (or folders holding dataset_telemetry.csv) on Spark.

    Returns one LoadedFile per file (rows 0 and ``skipped_as`` set for a file loaded
    before). Raises LoadError naming file, line, column and rule; that file adds nothing.
    """
    from pulse import spark

    files = [one for path in paths for one in files_for(DOMAIN, Path(path))]
    for file, table in files:
        check_header(file, table, detect_delimiter(file, table))
    connection = spark.connect(start=True)
    try:
        cursor = connection.cursor()
        for statement in create_statements():
            cursor.execute(statement)
        _check_layout(cursor)
        return [_append(cursor, file, detect_delimiter(file, table)) for file, table in files]
    finally:
        connection.close()
