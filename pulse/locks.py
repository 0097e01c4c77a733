"""Loads and builds take turns, and a build says which session holds it up.

`turn` is a PostgreSQL advisory lock of the database (so it also works from two
machines): `pulse load` holds it shared, so loads run side by side, and `pulse dbt
build|run|seed|snapshot` holds it exclusive, so a build waits for the loads under way and
a load that arrives during a build waits for it to end. A build therefore reads exactly
the loads committed before it started, and the next build takes a later load in. The
lock belongs to the session that took it: it goes when the command ends or dies.

`watch_blockers` follows dbt's sessions while a build runs and names any session that
holds a lock they wait for (a BI query left idle in a transaction, say); with dbt's
`lock_timeout` the build then fails with that name instead of waiting silently.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from pulse.db import Connection

# The advisory lock's key: one number per database, the same in every Pulse process.
LOCK_KEY = 7_061_507  # "pulse" on a phone keypad, shortened
WAIT_VARIABLE = "PULSE_LOCK_WAIT"
DEFAULT_WAIT = 3600.0


class LockTimeout(Exception):
    """The other side kept the database longer than PULSE_LOCK_WAIT seconds."""


def _holders(db: psycopg.Connection) -> str:
    rows = db.execute(
        "select a.pid, a.application_name, to_char(a.backend_start, 'HH24:MI:SS') "
        "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
        "where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = %s "
        "and l.database = (select oid from pg_database where datname = current_database()) "
        "and l.pid <> pg_backend_pid() order by a.backend_start",
        (LOCK_KEY,),
    ).fetchall()
    if not rows:
        return "another load or build"
    return ", ".join(
        f"{app or 'a session'} (session {pid}, since {start})" for pid, app, start in rows
    )


@contextmanager
def turn(conn: Connection, *, exclusive: bool, what: str) -> Iterator[None]:
    """Hold the database's load/build lock for the body (exclusive for a build).

    Waits up to PULSE_LOCK_WAIT seconds (default 3600), saying once on stderr whom it
    waits for; raises LockTimeout after that. ``what`` names this command in
    pg_stat_activity and in the other side's message, e.g. "pulse load".
    """
    wait = float(os.environ.get(WAIT_VARIABLE, DEFAULT_WAIT))
    take = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
    with conn.connect(autocommit=True, application_name=what) as db:
        deadline = time.monotonic() + wait
        waited = False
        while not db.execute(f"select {take}(0, %s)", (LOCK_KEY,)).fetchone()[0]:
            holders = _holders(db)
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"{what}: gave up after {wait:g} s ({WAIT_VARIABLE}) waiting for {holders}"
                )
            if not waited:
                print(
                    f"{what}: waiting for {holders} to finish (loads and builds take turns; "
                    f"up to {wait:g} s, {WAIT_VARIABLE})",
                    file=sys.stderr,
                    flush=True,
                )
                waited = True
            time.sleep(0.5)
        if waited:
            print(f"{what}: the database is free, going ahead", file=sys.stderr, flush=True)
        yield


_BLOCKERS = """
select distinct blocker.pid, blocker.usename, blocker.application_name, blocker.state,
       to_char(coalesce(blocker.xact_start, blocker.state_change), 'HH24:MI:SS'),
       left(regexp_replace(blocker.query, '\\s+', ' ', 'g'), 120)
from pg_stat_activity as waiter
cross join lateral unnest(pg_blocking_pids(waiter.pid)) as blocking (pid)
join pg_stat_activity as blocker on blocker.pid = blocking.pid
where waiter.datname = current_database() and waiter.application_name = 'dbt'
  and blocker.application_name <> 'dbt'
"""


def describe_session(pid, user, application, state, since, query) -> str:
    app = f", application {application!r}" if application else ""
    return f"session {pid} (user {user}{app}, {state} since {since}, last query: {query!r})"


@contextmanager
def watch_blockers(conn: Connection, interval: float = 0.5) -> Iterator[dict[int, str]]:
    """Record, while the body runs, every session that blocks one of dbt's sessions.

    Yields a dict pid -> description that fills in as blockers are seen; each is also
    announced once on stderr when first seen.
    """
    seen: dict[int, str] = {}
    stop = threading.Event()

    def poll() -> None:
        try:
            with conn.connect(autocommit=True, application_name="pulse watch") as db:
                while not stop.wait(interval):
                    for row in db.execute(_BLOCKERS).fetchall():
                        if row[0] not in seen:
                            seen[row[0]] = describe_session(*row)
                            print(
                                f"the build waits for a lock held by {seen[row[0]]}",
                                file=sys.stderr,
                                flush=True,
                            )
        except psycopg.Error:  # the watcher only informs; the build goes on without it
            pass

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(timeout=5)
