"""The raw-source contracts of the spec: one table per file, columns in file order.

Setting up creates every table here (empty), so a database that holds only some domains
still builds. The loader checks files against the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, postgres type)
    file: str

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


DOMAINS: dict[str, tuple[Table, ...]] = {
    "mentorhub": (
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
    ),
    "sales": (
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
    ),
}


def raw_schema(domain: str) -> str:
    return f"raw_{domain}"


def create_statements(domain: str, schema: str | None = None) -> list[str]:
    schema = schema or raw_schema(domain)
    statements = [f'create schema if not exists "{schema}"']
    for table in DOMAINS[domain]:
        columns = ",\n    ".join(f'"{name}" {type_}' for name, type_ in table.columns)
        statements.append(
            f'create table if not exists "{schema}"."{table.name}" (\n    {columns}\n)'
        )
    return statements
