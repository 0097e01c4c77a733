"""`pulse sql "select …" [--csv]`: one read-only query on the current engine (PULSE_ENGINE).

On PostgreSQL the query runs in a read-only transaction, so the server itself refuses a
write. Spark's Thrift server has no read-only mode: there only a single statement that
starts with SELECT, WITH, SHOW, DESCRIBE or EXPLAIN is sent.
"""

from __future__ import annotations

import csv
import re
import sys

READ_ONLY_START = re.compile(r"^\s*(select|with|show|describe|desc|explain)\b", re.IGNORECASE)


class QueryError(ValueError):
    """The query is not a single read-only statement, or the engine rejected it."""


def _check_read_only(query: str) -> str:
    statement = query.strip().rstrip(";").strip()
    if ";" in statement or not READ_ONLY_START.match(statement):
        raise QueryError(
            "pulse sql runs one read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN)"
        )
    return statement


def run_query(query: str) -> tuple[list[str], list[tuple]]:
    """Run ``query`` on the current engine; returns (column names, rows).

    Raises QueryError for a statement that is not read-only or that the engine rejects.
    """
    from pulse import spark

    statement = _check_read_only(query)
    if spark.engine() == "spark":
        from pyhive.exc import Error as HiveError

        connection = spark.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(statement)
            names = [column[0].split(".")[-1] for column in cursor.description or []]
            return names, [tuple(row) for row in cursor.fetchall()]
        except HiveError as exc:
            raise QueryError(_first_line(exc)) from exc
        finally:
            connection.close()
    import psycopg

    from pulse import db

    with db.current().connect() as connection:
        connection.read_only = True
        try:
            cursor = connection.execute(statement)
        except psycopg.Error as exc:
            raise QueryError(_first_line(exc)) from exc
        names = [column.name for column in cursor.description or []]
        return names, [tuple(row) for row in cursor.fetchall()]


def _first_line(exc: Exception) -> str:
    """The engine's own message, first line (PyHive wraps the Thrift server's response)."""
    status = getattr(exc.args[0], "status", None) if exc.args else None
    text = getattr(status, "errorMessage", None) or str(exc)
    return text.strip().splitlines()[0]


def main(query: str, *, as_csv: bool = False) -> int:
    """Print the result as a table (or CSV); exit code 2 for a refused or failed query."""
    from tabulate import tabulate

    from pulse.spark import SparkError

    try:
        names, rows = run_query(query)
    except (QueryError, SparkError) as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 2
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
    else:
        print(tabulate(rows, headers=names, tablefmt="psql", disable_numparse=True))
    return 0
