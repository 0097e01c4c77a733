"""A local Apache Spark standalone cluster and its Thrift server, started by the project.

`pulse spark start` runs, from the PySpark distribution of the `.[spark]` extra (its
``bin/spark-class`` and ``jars/``), four Java processes, each its own process group:

- a standalone master on 127.0.0.1;
- two workers (one core each) registered with it;
- a Spark Thrift Server (``HiveThriftServer2``, HiveServer2 protocol) on 127.0.0.1 that
  runs its queries as an application of that cluster: dbt connects with ``method: thrift``
  exactly as to a remote cluster.

The warehouse (parquet files), the Derby metastore, the logs and the ports chosen live in
``.pulse/spark`` (``PULSE_SPARK_DIR``), which git ignores. ``PULSE_SPARK_HOST`` and
``PULSE_SPARK_PORT`` point the project at an existing Thrift server instead; then nothing is
started here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pulse.db import PROJECT_DIR

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
WORKERS = 2
# Small on purpose: the machine is shared (2 cores). Each worker offers one core and
# enough memory for one executor of the Thrift server's application.
DAEMON_MEMORY = "256m"
WORKER_MEMORY = "2400m"
EXECUTOR_MEMORY = "2g"
DRIVER_MEMORY = "2g"
SHUFFLE_PARTITIONS = 4
START_TIMEOUT_S = 180


class SparkError(RuntimeError):
    """The cluster could not be started or reached; the message says why and where to look."""


@dataclass(frozen=True)
class Endpoint:
    """Where dbt and `pulse` reach a Thrift server."""

    host: str
    port: int
    external: bool = False

    def dbt_env(self) -> dict[str, str]:
        """The variables the `spark` target of profiles.yml reads."""
        port = str(self.port)
        return {"DBT_TARGET": "spark", "DBT_SPARK_HOST": self.host, "DBT_SPARK_PORT": port}


def spark_dir() -> Path:
    return Path(os.environ.get("PULSE_SPARK_DIR", PROJECT_DIR / ".pulse" / "spark")).resolve()


def spark_home() -> Path:
    """The PySpark package directory: it holds Spark's ``bin/`` and ``jars/``.

    Raises SparkError when PySpark (the `.[spark]` extra) is not installed.
    """
    try:
        import pyspark
    except ImportError as exc:
        raise SparkError(
            "PySpark is not installed: pip install -c constraints.txt -e '.[spark]'"
        ) from exc
    return Path(pyspark.__file__).resolve().parent


def java_home() -> Path:
    """JAVA_HOME, or the JDK/JRE behind the `java` on PATH. Raises SparkError without Java."""
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"])
    java = shutil.which("java")
    if java is None:
        raise SparkError("Java is missing: apt-get install openjdk-17-jre-headless")
    return Path(java).resolve().parent.parent


def engine() -> str:
    """The engine of the shop's commands: ``PULSE_ENGINE`` (``postgres``, default, or ``spark``)."""
    value = os.environ.get("PULSE_ENGINE", "postgres").strip().lower() or "postgres"
    if value not in {"postgres", "spark"}:
        raise SparkError(f"PULSE_ENGINE must be postgres or spark, not {value!r}")
    return value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) counts as gone
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _state_file() -> Path:
    return spark_dir() / "cluster.json"


def _read_state() -> dict | None:
    try:
        return json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return None


def status() -> dict[str, bool] | None:
    """Each started process (``master``, ``worker-1``, …, ``thriftserver``) and whether it
    runs, or None when no cluster was started here."""
    state = _read_state()
    if state is None:
        return None
    return {name: _alive(pid) for name, pid in state["pids"].items()}


def endpoint(*, start: bool = False) -> Endpoint:
    """The Thrift server to use: ``PULSE_SPARK_HOST``/``PULSE_SPARK_PORT`` if set, else the
    local cluster's (started first when ``start``). Raises SparkError when none runs."""
    if os.environ.get("PULSE_SPARK_HOST") or os.environ.get("PULSE_SPARK_PORT"):
        host = os.environ.get("PULSE_SPARK_HOST", "127.0.0.1")
        return Endpoint(host, int(os.environ.get("PULSE_SPARK_PORT", "10000")), external=True)
    state = _read_state()
    processes = status()
    if processes and all(processes.values()):
        return Endpoint("127.0.0.1", state["thrift_port"])
    if start:
        return start_cluster()
    raise SparkError("the local Spark cluster is not running: run `pulse spark start`")


def _env(home: Path, log_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(home),
        "JAVA_HOME": str(java_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_HOSTNAME": "localhost",
        "SPARK_LOG_DIR": str(log_dir),
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
        "SPARK_NO_DAEMONIZE": "1",
    }


def _launch(name: str, args: list[str], env: dict[str, str], cwd: Path, log_dir: Path) -> int:
    log = (log_dir / f"{name}.log").open("ab")
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    return process.pid


def _wait_for(name: str, pid: int, host: str, port: int, log_dir: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listening(host, port):
            return
        if not _alive(pid):
            break
        time.sleep(0.5)
    stop_cluster()
    reason = "exited" if not _alive(pid) else f"did not listen on {host}:{port} in {timeout:.0f} s"
    raise SparkError(f"Spark {name} {reason}; see {log_dir / (name + '.log')}")


def start_cluster(workers: int = WORKERS) -> Endpoint:
    """Start the master, ``workers`` workers and the Thrift server (no-op when running).

    Returns the Thrift server's endpoint once it accepts connections. Raises SparkError,
    after stopping what it started, when a process exits or a port stays closed.
    """
    processes = status()
    if processes and all(processes.values()):
        return Endpoint("127.0.0.1", _read_state()["thrift_port"])
    if processes:
        stop_cluster()
    home, root = spark_home(), spark_dir()
    log_dir = root / "logs"
    for folder in (log_dir, root / "warehouse", root / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    env = _env(home, log_dir)
    spark_class = str(home / "bin" / "spark-class")
    master_port, thrift_port = _free_port(), _free_port()
    master_url = f"spark://127.0.0.1:{master_port}"
    pids: dict[str, int] = {}

    def save() -> None:
        state = {"pids": pids, "master_url": master_url, "thrift_port": thrift_port}
        _state_file().write_text(json.dumps(state, indent=2))

    pids["master"] = _launch(
        "master",
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
         "--port", str(master_port), "--webui-port", str(_free_port())],
        env, root, log_dir,
    )  # fmt: skip
    save()
    _wait_for("master", pids["master"], "127.0.0.1", master_port, log_dir, START_TIMEOUT_S)
    for number in range(1, workers + 1):
        work_dir = root / f"work-{number}"
        work_dir.mkdir(exist_ok=True)
        pids[f"worker-{number}"] = _launch(
            f"worker-{number}",
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
             "--cores", "1", "--memory", WORKER_MEMORY, "--work-dir", str(work_dir),
             "--webui-port", str(_free_port()), master_url],
            env, root, log_dir,
        )  # fmt: skip
    save()
    # Spark's launcher sizes the Thrift server's driver by SPARK_DAEMON_MEMORY, not
    # --driver-memory (it treats the server as a daemon)
    driver_env = {**env, "SPARK_DAEMON_MEMORY": DRIVER_MEMORY}
    metastore = f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"
    pids["thriftserver"] = _launch(
        "thriftserver",
        [spark_class, "org.apache.spark.deploy.SparkSubmit",
         "--class", THRIFT_SERVER_CLASS, "--name", "pulse-thriftserver",
         "--master", master_url,
         "--driver-memory", DRIVER_MEMORY, "--executor-memory", EXECUTOR_MEMORY,
         "--executor-cores", "1", "--total-executor-cores", str(workers),
         "--driver-java-options", f"-Dderby.system.home={root}",
         "--conf", f"spark.sql.warehouse.dir={root / 'warehouse'}",
         "--conf", f"spark.hadoop.javax.jdo.option.ConnectionURL={metastore}",
         "--conf", f"spark.local.dir={root / 'tmp'}",
         "--conf", "spark.driver.host=127.0.0.1",
         "--conf", "spark.driver.bindAddress=127.0.0.1",
         "--conf", "spark.ui.enabled=false",
         "--conf", f"spark.sql.shuffle.partitions={SHUFFLE_PARTITIONS}",
         "--conf", "spark.sql.adaptive.enabled=true",
         # no 3 s wait for a "local" executor: on one machine every executor is local
         "--conf", "spark.locality.wait=0s",
         # partitions of parquet tables are found by listing their folders, not kept in
         # the Derby metastore: no metastore round trip per partition on write, and no
         # failed partition filter (Derby) falling back to fetching every partition
         "--conf", "spark.sql.hive.manageFilesourcePartitions=false",
         "--conf", "spark.sql.autoBroadcastJoinThreshold=64MB",
         # list a table's partition folders in the driver: past 32 folders Spark would run
         # a job of one task per folder to list them (~1 s per read of a table by day)
         "--conf", "spark.sql.sources.parallelPartitionDiscovery.threshold=100000",
         "--conf", "spark.sql.session.timeZone=UTC",
         "--conf", "spark.sql.sources.partitionOverwriteMode=dynamic",
         # Derby's metastore cannot filter a date partition column that holds the null
         # partition (rejected rows without a timestamp): list the partitions instead
         "--conf", "spark.sql.hive.metastorePartitionPruningFallbackOnException=true",
         "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
         "--hiveconf", f"hive.server2.thrift.port={thrift_port}",
         "spark-internal"],
        driver_env, root, log_dir,
    )  # fmt: skip
    save()
    _wait_for(
        "thriftserver", pids["thriftserver"], "127.0.0.1", thrift_port, log_dir, START_TIMEOUT_S
    )
    return Endpoint("127.0.0.1", thrift_port)


def stop_cluster(timeout: float = 30) -> bool:
    """Stop every process `start_cluster` started (Thrift server first). Returns whether
    any was running. Each gets SIGTERM, then SIGKILL after ``timeout`` seconds."""
    state = _read_state()
    if state is None:
        return False
    order = ["thriftserver", *sorted(k for k in state["pids"] if k.startswith("worker")), "master"]
    running = False
    for name in order:
        pid = state["pids"].get(name)
        if pid is None or not _alive(pid):
            continue
        running = True
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    _state_file().unlink(missing_ok=True)
    return running


def connect(*, start: bool = False):
    """A PyHive connection (DB-API 2.0) to the Thrift server of `endpoint(start=start)`."""
    from pyhive import hive

    where = endpoint(start=start)
    return hive.connect(host=where.host, port=where.port, username="pulse")


def command(action: str) -> int:
    """`pulse spark start|stop|status`; the exit code (status: 3 when not running)."""
    import sys

    try:
        if action == "start":
            where = start_cluster()
            print(
                f"Spark running: master + {WORKERS} workers, Thrift server on "
                f"{where.host}:{where.port}; warehouse and metastore in {spark_dir()}"
            )
        elif action == "stop":
            print("Spark stopped" if stop_cluster() else "Spark was not running")
        else:
            processes = status()
            if not processes:
                print(f"Spark is not running (folder {spark_dir()})")
                return 3
            for name, running in processes.items():
                print(f"{name:<13} {'running' if running else 'stopped'}")
            if not all(processes.values()):
                return 3
            print(f"Thrift server on 127.0.0.1:{_read_state()['thrift_port']}")
    except SparkError as exc:
        print(f"spark {action} failed: {exc}", file=sys.stderr)
        return 1
    return 0
