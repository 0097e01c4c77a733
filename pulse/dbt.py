"""The one way Pulse runs dbt: `pulse dbt …`, the benchmarks and the test fixtures call `run`.

dbt is this virtualenv's CLI, run in the project folder with profiles.yml (copied from the
example, it reads every setting from the environment) and the connection's variables:

- on PostgreSQL, dbt's sessions give up on a lock after ``lock_timeout`` =
  PULSE_DBT_LOCK_TIMEOUT (default 120s; libpq passes PGOPTIONS to the server), so a BI
  session idle in a transaction cannot hold a rebuild forever; and a command that writes
  tables (``build``, ``run``, ``seed``, ``snapshot``) takes its turn with the loads
  (pulse.locks: the database's advisory lock, exclusive) and, when it fails after waiting
  for another session's lock, names that session;
- with PULSE_ENGINE=spark (or a Spark endpoint given), dbt's `spark` target on the Thrift
  server, the local cluster started first when none runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pulse import db, locks, spark

# dbt commands that write tables: they take their turn with the loads (pulse.locks)
BUILDING = {"build", "run", "seed", "snapshot"}
LOCK_TIMEOUT = "120s"


def run(
    args: Sequence[str],
    where: db.Connection | spark.Endpoint | None = None,
    *,
    target_path: Path | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``dbt ARGS…`` against ``where``; returns the finished process (exit code in it).

    ``where``: a PostgreSQL connection, a Spark Thrift endpoint, or None for the current
    engine (PULSE_ENGINE=spark: the local Spark cluster; else ``db.current()``).
    ``target_path``: dbt's target and log folder (default: target/ and logs/ of the
    project). ``capture``: keep stdout and stderr as text, colours off, instead of
    passing them through. Raises locks.LockTimeout when a building command's turn did
    not come within PULSE_LOCK_WAIT, spark.SparkError when Spark cannot be reached.
    """
    if where is None:
        where = spark.endpoint(start=True) if spark.engine() == "spark" else db.current()
    env = {**os.environ, **where.dbt_env()}
    env.setdefault("DBT_PROFILES_DIR", str(db.PROJECT_DIR))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if capture:
        env["DBT_USE_COLORS"] = "false"
    command = [str(Path(sys.executable).with_name("dbt")), *args]
    if target_path is not None:
        command += ["--target-path", str(target_path), "--log-path", str(target_path)]
    db.ensure_profiles()

    def dbt() -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=db.PROJECT_DIR, env=env, capture_output=capture, text=capture
        )

    if isinstance(where, spark.Endpoint):
        return dbt()
    lock_timeout = os.environ.get("PULSE_DBT_LOCK_TIMEOUT", LOCK_TIMEOUT)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={lock_timeout}".strip()
    verb = next((arg for arg in args if not arg.startswith("-")), None)
    if verb not in BUILDING:
        return dbt()
    with (
        locks.turn(where, exclusive=True, what=f"pulse dbt {verb}"),
        locks.watch_blockers(where) as blockers,
    ):
        result = dbt()
    if result.returncode and blockers:
        print(
            f"dbt {verb} failed after waiting for a lock held by "
            f"{'; '.join(blockers.values())}. End that session "
            "(select pg_terminate_backend(PID)) or let it finish, then build again.",
            file=sys.stderr,
        )
    return result
