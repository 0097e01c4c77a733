"""The read-only role BI tools connect with: `pulse_bi`, SELECT on the marts and nothing else.

The role is created here, by `pulse setup` only (not in dbt, not by a load), so that its
password, read from PULSE_BI_PASSWORD, never appears in compiled SQL or dbt's logs; it is
hashed on the client, so no server log can show it either. dbt `grants` give it SELECT on every mart
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
# A BI session may not hold a rebuild up for long: its statements and its idle open
# transactions end after these (per database: ALTER ROLE … IN DATABASE).
BI_TIMEOUTS = {
    "statement_timeout": ("PULSE_BI_STATEMENT_TIMEOUT", "60s"),
    "idle_in_transaction_session_timeout": ("PULSE_BI_IDLE_TIMEOUT", "60s"),
}


def scram_verifier(db: psycopg.Connection, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for the BI role, computed by libpq here.

    libpq's PQencryptPasswordConn (psycopg's ``PGconn.encrypt_password``) salts and hashes
    on the client; the server receives and stores only ``SCRAM-SHA-256$4096:…``, so the
    clear password never reaches it nor any of its logs.
    """
    verifier = db.pgconn.encrypt_password(
        password.encode(), BI_ROLE.encode(), b"scram-sha-256"
    ).decode()
    if not verifier.startswith("SCRAM-SHA-256$"):  # never send anything else
        raise RuntimeError("libpq did not return a SCRAM-SHA-256 verifier")
    return verifier


def ensure_bi_role(conn: Connection) -> None:
    """Create ``pulse_bi`` (if missing) and set what it may do; only `pulse setup` calls it.

    - password: PULSE_BI_PASSWORD, sent as a client-side SCRAM verifier (never in clear);
    - this database: CONNECT, no TEMPORARY (TEMPORARY is revoked from PUBLIC here and
      granted back to the user running setup, who loads and builds);
    - the server's other databases it can administer: CONNECT revoked from PUBLIC, so the
      role cannot connect there (their owners grant CONNECT to their own roles);
    - statement_timeout and idle_in_transaction_session_timeout in this database
      (PULSE_BI_STATEMENT_TIMEOUT, PULSE_BI_IDLE_TIMEOUT, default 60s each).
    Without CREATEROLE (an external server) it warns and leaves the role to the admin.
    """
    password = os.environ.get("PULSE_BI_PASSWORD") or None
    role = sql.Identifier(BI_ROLE)
    with conn.connect(autocommit=True) as db:
        exists = db.execute("select 1 from pg_roles where rolname = %s", (BI_ROLE,)).fetchone()
        try:
            if not exists:
                db.execute(sql.SQL("create role {} login").format(role))
            if password:
                db.execute(
                    sql.SQL("alter role {} password {}").format(
                        role, sql.Literal(scram_verifier(db, password))
                    )
                )
            this = sql.Identifier(db.info.dbname)
            db.execute(sql.SQL("revoke temporary on database {} from public").format(this))
            db.execute(sql.SQL("revoke temporary on database {} from {}").format(this, role))
            db.execute(sql.SQL("grant temporary on database {} to current_user").format(this))
            db.execute(sql.SQL("grant connect on database {} to {}").format(this, role))
            others = db.execute(
                "select datname from pg_database as d where datallowconn "
                "and datname <> current_database() and has_database_privilege("
                "'public', d.oid, 'connect') and (pg_has_role(datdba, 'member') or "
                "(select rolsuper from pg_roles where rolname = current_user))"
            ).fetchall()
            for (other,) in others:
                db.execute(
                    sql.SQL("revoke connect on database {} from public").format(
                        sql.Identifier(other)
                    )
                )
            for setting, (variable, default) in BI_TIMEOUTS.items():
                db.execute(
                    sql.SQL("alter role {} in database {} set {} = {}").format(
                        role,
                        this,
                        sql.Identifier(setting),
                        sql.Literal(os.environ.get(variable) or default),
                    )
                )
        except psycopg.errors.InsufficientPrivilege:
            print(
                f"warning: cannot create or alter role {BI_ROLE} (no CREATEROLE here); "
                "ask the server's administrator to create it, or the marts' grants will fail",
                file=sys.stderr,
            )
