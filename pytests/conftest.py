"""Fixtures: a real PostgreSQL for the whole run, and one built database per dataset.

By default the suite starts its own embedded PostgreSQL in a temporary directory; with
PULSE_DATABASE_URL (or DBT_PG*) set it creates its databases on that server instead and
drops them at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest

from pulse import db
from pulse.dbt import run as run_dbt
from pulse.domains import DOMAINS
from pulse.generate import elearning as elearning_generator
from pulse.generate import sales as sales_generator
from pulse.generate.mentorhub import generate
from pulse.load import load, setup

PROJECT_DIR = db.PROJECT_DIR
REAL_DATA_DIR = Path(
    os.environ.get("PULSE_REAL_DATA_DIR", PROJECT_DIR.parent / "shared" / "data" / "real")
)


@pytest.fixture(scope="session")
def admin(tmp_path_factory) -> db.Connection:
    """A connection to the server with the right to create databases."""
    external = db.external_connection()
    if external is not None:
        yield external
        return
    pgdata = tmp_path_factory.mktemp("pg") / "data"
    conn = db.start_embedded(pgdata)
    yield conn.with_dbname("postgres")
    db.stop_embedded(pgdata)


def _database_factory(admin: db.Connection):
    """A factory of fresh databases on `admin`'s server set up as `pulse setup` does (the BI
    role, every raw table), and a cleanup."""
    created: list[str] = []

    def _make(name: str) -> db.Connection:
        dbname = f"pulse_test_{name}"
        db.drop_database(admin, dbname)
        db.ensure_database(admin, dbname)
        created.append(dbname)
        conn = admin.with_dbname(dbname)
        setup(conn)
        return conn

    def _drop_all() -> None:
        for dbname in created:
            db.drop_database(admin, dbname)

    return _make, _drop_all


@pytest.fixture(scope="session")
def make_database(admin, tmp_path_factory):
    """Create a fresh database with the raw tables; yields a factory."""
    make, drop_all = _database_factory(admin)
    yield make
    drop_all()


# Debian's postgresql-15 (.ci/run installs it where it is missing); PULSE_PG15_BIN points
# elsewhere. The loader's and the statistics' promises must hold on a server a user may
# already run, which lacks what PostgreSQL 16+ added (pg_input_is_valid, ...).
PG15_BIN = Path(os.environ.get("PULSE_PG15_BIN", "/usr/lib/postgresql/15/bin"))


@pytest.fixture(scope="session")
def pg15_admin() -> db.Connection:
    """A PostgreSQL 15 started for this run in a temporary directory, on a unix socket only
    (`pulse.db.start_local_server`, which `pulse bench --versions` uses too).

    Skipped, with the reason, where the binaries are missing or the server does not start.
    """
    if not (PG15_BIN / "pg_ctl").is_file():
        pytest.skip(f"PostgreSQL 15 is not installed ({PG15_BIN}/pg_ctl is missing: postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="pulse-pg15-"))
    try:
        admin = db.start_local_server(PG15_BIN, base / "data")
    except RuntimeError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL 15 did not start: {str(exc)[-300:]}")
    yield admin
    db.stop_local_server(PG15_BIN, base / "data")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def make_pg15_database(pg15_admin):
    """Like make_database, on the PostgreSQL 15 of this run."""
    make, drop_all = _database_factory(pg15_admin)
    yield make
    drop_all()


@pytest.fixture(params=["default-server", "postgresql-15"])
def make_any_database(request):
    """make_database on each server: the default one (embedded or external) and PostgreSQL 15."""
    if request.param == "default-server":
        return request.getfixturevalue("make_database")
    return request.getfixturevalue("make_pg15_database")


def dbt(conn: db.Connection, *args: str, target_path: Path) -> subprocess.CompletedProcess:
    """Run dbt against ``conn`` (pulse.dbt.run); the output is kept for the assertion message."""
    return run_dbt(args, conn, target_path=target_path, capture=True)


def build(conn: db.Connection, target_path: Path, *extra: str) -> None:
    result = dbt(conn, "build", *extra, target_path=target_path)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"


# Hand-made rule breakers appended to a generated dataset: every one must end up in a
# *_rejected relation with its reason, and no mart may count it.
DIRTY_SESSIONS = [
    # (session_id, when, mentor_id, mentee_id, status, domain_id, expected reason)
    ("dup", None, None, None, None, None, "duplicate session_id"),
    (900001, "2022-01-10 12:00:00.000", 999999, "MENTEE", "finished", 1,
     "mentor_id is not a known user"),
    (900002, "2022-01-11 12:00:00.000", "MENTEE", "MENTEE2", "finished", 1,
     "mentor_id is not a mentor"),
    (900003, "2022-01-12 12:00:00.000", "MENTOR", "MENTEE", "pending", 1,
     "session_status is not finished or canceled"),
    (900004, "2022-01-13 12:00:00.000", "MENTOR", "MENTOR", "finished", 1,
     "mentor_id equals mentee_id"),
    (900005, "2022-01-14 12:00:00.000", "", "MENTEE", "finished", 1, "mentor_id is null"),
    (900006, "2022-01-15 12:00:00.000", "MENTOR", "MENTEE", "finished", 99,
     "mentor_domain_id is not a known domain"),
    (900007, "2022-01-16 12:00:00.000", "MENTOR", 999998, "canceled", 2,
     "mentee_id is not a known user"),
]  # fmt: skip
DIRTY_USERS = [
    # (user_id, reg_date, role, region_id, expected reason)
    ("dup", None, None, None, "duplicate user_id"),
    (990001, "2021-05-01 00:00:00.000", "admin", 1, "role is not mentor or mentee"),
]


def make_dirty(source: Path, out: Path) -> Path:
    """Copy a clean dataset and append the rule breakers above."""
    out.mkdir(parents=True)
    for name in ("region.csv", "domain.csv"):
        (out / name).write_bytes((source / name).read_bytes())
    sessions = (source / "sessions.csv").read_text(encoding="utf-8").splitlines()
    users = (source / "users.csv").read_text(encoding="utf-8").splitlines()
    mentor = next(line.split(",")[0] for line in users[1:] if ",mentor," in line)
    mentees = [line.split(",")[0] for line in users[1:] if ",mentee," in line][:2]
    ids = {"MENTOR": mentor, "MENTEE": mentees[0], "MENTEE2": mentees[1]}
    for row in DIRTY_SESSIONS:
        if row[0] == "dup":  # the same id again, with another mentee
            first = sessions[1].split(",")
            sessions.append(",".join([*first[:3], mentees[1], *first[4:]]))
            continue
        sessions.append(",".join(str(ids.get(value, value)) for value in row[:6]))
    for row in DIRTY_USERS:
        users.append(users[1] if row[0] == "dup" else ",".join(str(v) for v in row[:4]))
    (out / "sessions.csv").write_text("\n".join(sessions) + "\n", encoding="utf-8")
    (out / "users.csv").write_text("\n".join(users) + "\n", encoding="utf-8")
    return out


def make_one_partial_month(source: Path, out: Path) -> Path:
    """Keep only the sessions of the first month: data without any full month yet."""
    out.mkdir(parents=True)
    for name in ("users.csv", "region.csv", "domain.csv"):
        (out / name).write_bytes((source / name).read_bytes())
    lines = (source / "sessions.csv").read_text(encoding="utf-8").splitlines()
    first_month = lines[1].split(",")[1][:7]
    kept = [lines[0], *(line for line in lines[1:] if line.split(",")[1][:7] == first_month)]
    (out / "sessions.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "mentorhub"
    generate(out, seed=7, scale=0.3)
    return out


@pytest.fixture(scope="session")
def real_dir() -> Path:
    path = REAL_DATA_DIR / "mentorhub"
    if not (path / "sessions.csv").is_file():
        pytest.skip(f"the real Mentorhub export is not at {path} (set PULSE_REAL_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def sales_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "sales"
    sales_generator.generate(out, seed=11, days=75, scale=0.25)
    return out


@pytest.fixture(scope="session")
def elearning_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "elearning"
    elearning_generator.generate(out, seed=3, scale=0.5)
    return out


@pytest.fixture(scope="session")
def elearning_real_dir() -> Path:
    path = REAL_DATA_DIR / "elearning"
    if not (path / "peas.csv").is_file():
        pytest.skip(f"the real e-learning tables are not at {path} (set PULSE_REAL_DATA_DIR)")
    return path


class Dataset(NamedTuple):
    """A database the suite builds: which raw folder is loaded into which domain."""

    domain: str  # a registered domain (pulse/domains.py): loaded into raw_<domain>
    kind: str | None  # the folder (see `built`); None loads nothing into the raw tables
    vars: dict | None = None  # dbt vars of its build


DATASETS = {
    "generated": Dataset("mentorhub", "generated"),
    "generated_as_of": Dataset(
        "mentorhub", "generated", {"as_of_date": "2022-02-14", "forecast_basis_months": 2}
    ),
    "dirty": Dataset("mentorhub", "dirty"),
    "one_partial_month": Dataset("mentorhub", "one_partial_month"),
    "real": Dataset("mentorhub", "real"),
    "empty": Dataset("mentorhub", None),
    "sales": Dataset("sales", "sales"),
    "elearning": Dataset("elearning", "elearning"),
    "elearning_real": Dataset("elearning", "elearning_real"),
}
assert {dataset.domain for dataset in DATASETS.values()} <= set(DOMAINS)
MENTORHUB_DATASETS = [name for name, dataset in DATASETS.items() if dataset.domain == "mentorhub"]
# folder kind -> the fixture that makes it (dirty and one_partial_month: from generated_dir)
FOLDER_FIXTURES = {
    "generated": "generated_dir",
    "real": "real_dir",
    "sales": "sales_dir",
    "elearning": "elearning_dir",
    "elearning_real": "elearning_real_dir",
}


@pytest.fixture(scope="session")
def built(make_database, tmp_path_factory, request):
    """Databases built by `dbt build`, by dataset name; each built once, when first asked."""
    cache: dict[str, db.Connection] = {}
    folders: dict[str, Path] = {}

    def folder(kind: str | None) -> Path | None:
        if kind is None:
            return None
        if kind not in folders:
            if kind == "dirty":
                generated = request.getfixturevalue("generated_dir")
                folders[kind] = make_dirty(generated, tmp_path_factory.mktemp("dirty") / "mh")
            elif kind == "one_partial_month":
                generated = request.getfixturevalue("generated_dir")
                folders[kind] = make_one_partial_month(
                    generated, tmp_path_factory.mktemp("one") / "mh"
                )
            else:
                folders[kind] = request.getfixturevalue(FOLDER_FIXTURES[kind])
        return folders[kind]

    def _built(name: str) -> db.Connection:
        if name not in cache:
            dataset = DATASETS[name]
            path = folder(dataset.kind)
            conn = make_database(name)
            if path is not None:
                load(conn, dataset.domain, path)
            extra = ("--vars", json.dumps(dataset.vars)) if dataset.vars else ()
            target = tmp_path_factory.mktemp(f"dbt_{name}")
            build(conn, target, *extra)
            # the consumers under test (report, bot, answers, charts) read the marts' names
            # from the manifest of a build (pulse.relations), in process and in `pulse …`
            os.environ.setdefault("DBT_TARGET_PATH", str(target))
            cache[name] = conn
        return cache[name]

    _built.folder = folder
    return _built
