"""The read-only BI role: it reads every mart and nothing else, also after a rebuild."""

from __future__ import annotations

import psycopg
import pytest
from conftest import build

from pulse.access import BI_ROLE

MART_SCHEMAS = ("mentorhub", "sales", "elearning")
CLOSED = [
    "select 1 from raw_mentorhub.sessions",
    "select 1 from staging.stg_mentorhub__sessions",
    "select 1 from intermediate.int_user_sessions_unioned",
    "select 1 from seeds.iso_weekdays",
    "create table mentorhub.bi_was_here (a int)",
]


def as_bi(conn):
    return psycopg.connect(
        host=conn.host, port=conn.port, user=BI_ROLE, dbname=conn.dbname, autocommit=True
    )


def assert_reads_marts_only(conn):
    with conn.connect() as admin:
        marts = admin.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s)",
            (list(MART_SCHEMAS),),
        ).fetchall()
    assert len(marts) >= 20
    with as_bi(conn) as bi:
        for schema, table in marts:
            bi.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        for statement in CLOSED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(statement)


def test_bi_role_reads_marts_and_nothing_else(built):
    assert_reads_marts_only(built("generated"))


def test_bi_access_survives_a_rebuild(built, tmp_path):
    conn = built("generated")
    build(conn, tmp_path, "--select", "marts.mentorhub", "--exclude", "test_type:unit")
    assert_reads_marts_only(conn)
