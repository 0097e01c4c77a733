"""The rules a raw value must keep: its type's format and range, and the contract's limits.

Each rule twice, for one path: as SQL, the CHECK of a landing table's column that COPY
evaluates as it reads (``check_sql``), and in words, for the refusal that names the rule a
value broke (``violation``).
"""

from __future__ import annotations

import calendar
import re
from decimal import Decimal

import psycopg
from psycopg import sql

from pulse.contracts import Table
from pulse.domains import DOMAINS

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


def _text_at(value: str, at: int, length: int) -> str:
    """SQL: `length` characters of `value` from `at` (1-based), compared as plain text."""
    return f'substr({value}, {at}, {length}) collate "C"'


def _in_range(type_: str, value: str) -> str | None:
    """SQL: a value already in its format is in its type's range (None: every one is).

    A day that does not exist (30 February, 2021-02-29, month 13, year 0000) makes the
    server's own cast raise, on every version: COPY stops on that line, and the value is
    then worded in Python (violation). Hours 24 and seconds 60, which the cast would roll
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
    if type_ == "timestamp" and DOMAINS[domain].appends:
        return _STRICT_TIMESTAMP
    return _FORMATS[type_]


def _limits(table: Table, name: str) -> tuple[float | None, float | None] | None:
    return next(((low, high) for column, low, high in table.limits if column == name), None)


# The fast paths, tried before the format's regular expression (which costs several
# times more). A value that comes back as the very same text from its type's cast and
# output is in canonical form: digits with an optional minus for an integer; a plain
# decimal (or NaN or ±Infinity, which the numeric range refuses) for a numeric; for a log's
# timestamp, YYYY-MM-DD HH:MM:SS with a T (its length excludes 'infinity' and BC years) —
# the output of DateStyle ISO, which land() sets for its transaction. Only a value whose
# first character is not blank or a control character is cast here, so that a blank value
# never reaches a cast; a value the cast cannot read (abc, 30 February, an integer out of
# range) makes it raise, and COPY stops on that line as it does for any impossible day.
# A value that does not come back the same (+7, 007, 1e3, padded) takes the slow paths.
_PRINTABLE = "{v} collate \"C\" >= '!'"
_ROUND_TRIPS = {
    "integer": "cast(cast({v} as integer) as text) = {v}",
    "bigint": "cast(cast({v} as bigint) as text) = {v}",
    "numeric": "cast(cast({v} as numeric) as text) = {v}",
}
_ROUND_TRIP_STRICT_TIMESTAMP = (
    "length({v}) = 19 and replace(cast(cast({v} as timestamp) as text), ' ', 'T') = {v}"
)
# Snapshot files' dates and timestamps (often with a fraction, which the round trip does
# not keep): their usual shape, digits as 0, checked with translate().
_DIGITS = "'0123456789'"
_USUAL_SHAPES = {
    "date": f"translate({{v}}, {_DIGITS}, '0000000000') = '0000-00-00'",
    "timestamp": (
        f"translate({{v}}, {_DIGITS}, '0000000000')"
        " in ('0000-00-00 00:00:00', '0000-00-00 00:00:00.000')"
    ),
}


def _fast_path(domain: str, type_: str, value: str) -> tuple[str, bool] | None:
    """SQL of a cheap test that `value` is in its format, and whether the test also
    proves the type's range (a round trip does); None for a type without one."""
    if type_ == "timestamp" and DOMAINS[domain].appends:
        trip = _ROUND_TRIP_STRICT_TIMESTAMP
    elif type_ in _ROUND_TRIPS:
        trip = _ROUND_TRIPS[type_]
    elif type_ in _USUAL_SHAPES:
        return _USUAL_SHAPES[type_].format(v=value), False
    else:
        return None
    return f"{_PRINTABLE.format(v=value)} and {trip.format(v=value)}", True


def check_sql(cur: psycopg.Cursor, domain: str, table: Table, name: str, type_: str) -> str:
    """SQL of the CHECK on a text landing column: empty, or in format, range and limits.

    A CASE, so that the range is only computed for a value in the right format. A value
    in canonical form takes the cheap path of its type (_fast_path); any other value is
    tested against the format's regular expression, as is, then trimmed. A value that
    breaks the rules may make a cast raise on the way (abc through the round trip, 30
    February through the date's cast), and COPY stops on that line all the same: the
    caller then finds the column in Python (violation).
    """
    column = sql.Identifier(name).as_string(cur)
    pattern = sql.Literal(_pattern(domain, type_)[0]).as_string(cur)
    limits = _limits(table, name)

    def valid(value: str) -> str:
        if limits is None:
            return _in_range(type_, value) or "true"
        # a plausible range narrows the type's: one cast checks both
        low, high = limits
        low = -NUMERIC_MAX_ABS if low is None else max(low, -NUMERIC_MAX_ABS)
        high = NUMERIC_MAX_ABS if high is None else min(high, NUMERIC_MAX_ABS)
        return f"cast({value} as numeric) between {low} and {high}"

    fast = ""
    if path := _fast_path(domain, type_, column):
        test, in_range = path
        # the numeric range is narrower than the type's, and NaN and Infinity round trip
        then = "true" if in_range and limits is None and type_ != "numeric" else valid(column)
        fast = f"when {test} then {then} "
    trimmed = f"btrim({column})"
    return (
        f"case when {column} is null or {column} = '' then true {fast}"
        f"when {column} ~ {pattern} then {valid(column)}"
        f" when {trimmed} = '' then true"
        f" when {trimmed} ~ {pattern} then {valid(trimmed)}"
        " else false end"
    )


def violation(domain: str, table: Table, name: str, type_: str, value: str) -> str | None:
    """In words, the rule a value breaks (format, range, plausible range); None if none.

    The same rules as the landing table's checks, in Python: they word what COPY found.
    """
    text = value.strip(" ")  # as btrim() in SQL: a tab or another blank is no padding
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
