"""The raw-source contracts of the spec: one table per file, columns in file order.

One tuple of tables per domain; the domain registry (pulse/domains.py) says which is whose.
Setting up creates every table (empty), so a database that holds only some domains
still builds. The loader checks files against the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, postgres type)
    file: str
    header: tuple[str, ...] | None = None  # the file's header where it differs from the names
    # read by position: a file with this many columns loads whatever its header says
    by_position: bool = False
    # the plausible range of a numeric column, (low, high) inclusive; None: no bound
    limits: tuple[tuple[str, float | None, float | None], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def header_names(self) -> list[str]:
        return list(self.header) if self.header else self.column_names

    @property
    def time_column(self) -> str:
        """The first timestamp column: the time of a log's rows."""
        return next(name for name, type_ in self.columns if type_ == "timestamp")


MENTORHUB: tuple[Table, ...] = (
    Table(
        "sessions",
        (
            ("session_id", "integer"),
            ("session_date_time", "timestamp"),
            ("mentor_id", "integer"),
            ("mentee_id", "integer"),
            ("session_status", "text"),
            ("mentor_domain_id", "integer"),
        ),
        "sessions.csv",
    ),
    Table(
        "users",
        (
            ("user_id", "integer"),
            ("reg_date", "timestamp"),
            ("role", "text"),
            ("region_id", "integer"),
        ),
        "users.csv",
    ),
    Table("region", (("id", "integer"), ("name", "text")), "region.csv"),
    Table("domain", (("id", "integer"), ("name", "text")), "domain.csv"),
)

SALES: tuple[Table, ...] = (
    Table(
        "events",
        (("event_id", "integer"), ("_user_id", "text"), ("happened_at", "timestamp")),
        "events.csv",
    ),
    Table("events_dict", (("id", "integer"), ("_description", "text")), "events_dict.csv"),
    Table(
        "payments",
        (
            ("_user_id", "text"),
            ("transaction_created_at", "timestamp"),
            ("transaction_id", "text"),
            ("amount", "numeric"),
            ("currency", "text"),
            ("is_gift", "boolean"),
        ),
        "payments.csv",
    ),
)

SHOP: tuple[Table, ...] = (
    # dataset_telemetry.csv: an unnamed index column first (kept as _row_index), then
    # the log. Loading appends; _source_file and _loaded_at say which load a row came in.
    Table(
        "telemetry",
        (
            ("_row_index", "bigint"),
            ("userid", "text"),
            ("sessionid", "bigint"),
            ("timestamp", "timestamp"),
            ("action", "text"),
            ("value", "numeric"),
            ("category", "text"),
            ("age", "integer"),
            ("gender", "text"),
            ("city", "text"),
        ),
        "dataset_telemetry.csv",
        # a price or an order total above ten million roubles is a broken export, not a
        # sale: refused by the loader (negative values go to the rejected relation)
        limits=(("value", None, 10_000_000),),
        header=(
            "",
            "userid",
            "sessionid",
            "timestamp",
            "action",
            "value",
            "category",
            "age",
            "gender",
            "city",
        ),
    ),
)

ELEARNING: tuple[Table, ...] = (
    # Task A: the A/B test's files (the original separators differ: ; and ,).
    Table("groups", (("id", "integer"), ("grp", "text")), "groups.csv"),
    # another export: its header may differ (a real one reads id,grpp), read by position
    Table("groups_add", (("id", "integer"), ("grp", "text")), "groups_add.csv", by_position=True),
    Table("active_studs", (("student_id", "integer"),), "active_studs.csv"),
    Table("checks", (("student_id", "integer"), ("rev", "numeric")), "checks.csv"),
    # Task B: the platform's tables.
    Table(
        "peas",
        (
            ("st_id", "integer"),
            ("timest", "timestamp"),
            ("correct", "integer"),
            ("subject", "text"),
        ),
        "peas.csv",
    ),
    Table("studs", (("st_id", "integer"), ("test_grp", "text")), "studs.csv"),
    Table(
        "final_project_check",
        (
            ("st_id", "integer"),
            ("sale_time", "timestamp"),
            ("money", "integer"),
            ("subject", "text"),
        ),
        "final_project_check.csv",
    ),
)


# The columns an appended (log) table adds: which load each row came in with.
LOAD_COLUMNS = (("_source_file", "text"), ("_loaded_at", "timestamptz"))
