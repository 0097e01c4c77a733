"""The read-only role BI tools connect with: `pulse_bi`, SELECT on the marts and nothing else.

The role is created here (not in dbt) so that its password, read from PULSE_BI_PASSWORD,
never appears in compiled SQL or dbt's logs. dbt `grants` give it SELECT on every mart
after each rebuild, and an on-run-end hook gives it USAGE on the schemas of public models
only; raw, staging and intermediate stay closed to it.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

from pulse.db import Connection

BI_ROLE = "pulse_bi"


def ensure_bi_role(conn: Connection) -> None:
    password = os.environ.get("PULSE_BI_PASSWORD") or None
    with conn.connect(autocommit=True) as db:
        exists = db.execute("select 1 from pg_roles where rolname = %s", (BI_ROLE,)).fetchone()
        try:
            if not exists:
                db.execute(sql.SQL("create role {} login").format(sql.Identifier(BI_ROLE)))
            if password:
                db.execute(
                    sql.SQL("alter role {} password {}").format(
                        sql.Identifier(BI_ROLE), sql.Literal(password)
                    )
                )
        except psycopg.errors.InsufficientPrivilege:
            print(
                f"warning: cannot create or alter role {BI_ROLE} (no CREATEROLE here); "
                "ask the server's administrator to create it, or the marts' grants will fail",
                file=sys.stderr,
            )
