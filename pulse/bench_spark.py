"""`pulse bench --engine spark`: the shop's steps on PostgreSQL, Spark and pandas, side by side.

For each size it first runs `pulse bench`'s own steps (pulse/bench.py: generate a log plus
one more day, load it into a fresh PostgreSQL database, full build, load the next day,
incremental build, then pandas on the same files), then the same steps on Spark from the
same two files: a fresh cluster in a temporary folder, the log loaded through Spark, the
shop models built in full, the next day loaded and built incrementally (the nightly run).
Then the cluster restarts with one worker and builds in full again: the one-worker /
two-worker ratio of the full build is the scale-out. Spark's builds use the production
flags of PostgreSQL's (bench.NIGHTLY_FLAGS). The Spark cluster runs only during its own
steps, so the engines never compete for the two cores.

Prints one table (seconds; PostgreSQL's and pandas's peak memory as `pulse bench` measures
it, Spark's is its fixed JVM heaps, pulse/spark.py), the slowest Spark models of each
build (from dbt's log), the load averages before and after each size (the machine is
shared) and, for 10M rows, the issue's Spark targets.
"""

from __future__ import annotations

import os
import platform
import re
import tempfile
import time
from pathlib import Path

from pulse import bench, dbt, spark

TARGET_ROWS = bench.TARGET_ROWS
NIGHTLY_TARGET_S = 30.0
SCALE_OUT_TARGET = 1.5
# dbt's line for a finished node: "… OK created sql incremental model intermediate.x … in 3.21s]"
_NODE_DONE = re.compile(r"OK created sql \w+ model (\S+)\s.*? in (\d+\.\d+)s\]")


def _dbt_build(where: spark.Endpoint, logs: Path, *args: str) -> None:
    """`dbt build` of the shop models on the Spark target, dbt's log in ``logs``."""
    # one target folder for every build, as `pulse bench` does: dbt re-parses only what
    # changed (partial parsing); a log folder per build for its per-model times
    target = logs.parent / "target"
    command = ["build", "--select", bench.SHOP_MODELS, *bench.NIGHTLY_FLAGS, "--quiet"]
    command += ["--target-path", str(target), "--log-path", str(logs), *args]
    if dbt.run(command, where).returncode != 0:
        raise SystemExit(f"dbt build on Spark failed (see {logs / 'dbt.log'})")


def model_seconds(log: Path) -> dict[str, float]:
    """Seconds per model of one dbt run, from its ``dbt.log`` (relation name -> seconds)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(errors="replace"))
    return {name: float(seconds) for name, seconds in _NODE_DONE.findall(text)}


def _timed(step: str, run) -> float:
    """Seconds of run(), printed at once (a long run shows its steps as they end)."""
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    averages = bench.load_averages()
    print(f"  Spark {step:<22} {seconds:8.1f} s   (load averages {averages})", flush=True)
    return seconds


def _bench_files(workdir: Path, rows: int) -> tuple[Path, Path]:
    """The log and next-day files `bench.run_size` generated for ``rows``."""
    log, next_day = (
        workdir / f"{rows}" / part / "dataset_telemetry.csv" for part in ("log", "next_day")
    )
    for path in (log, next_day):
        if not path.is_file():
            raise SystemExit(f"bench left no {path}: pulse/bench.py's file layout changed")
    return log, next_day


def run_spark(files: tuple[Path, Path], workdir: Path) -> tuple[dict[str, float], dict]:
    """Spark's seconds per step on ``files`` (log, next day) and its per-model seconds."""
    from pulse.spark_load import load

    os.environ["PULSE_SPARK_DIR"] = str(workdir / "spark")
    results: dict[str, float] = {}
    models: dict[str, dict[str, float]] = {}
    try:
        where = spark.start_cluster(workers=2)
        results["load"] = _timed("load", lambda: load([files[0]]))
        results["full build"] = _timed("full build", lambda: _dbt_build(where, workdir / "full"))
        results["load next day"] = _timed("load next day", lambda: load([files[1]]))
        results["incremental build"] = _timed(
            "incremental build", lambda: _dbt_build(where, workdir / "incremental")
        )
        spark.stop_cluster()
        where = spark.start_cluster(workers=1)
        results["full build, 1 worker"] = _timed(
            "full build, 1 worker", lambda: _dbt_build(where, workdir / "full_1", "--full-refresh")
        )
    finally:
        spark.stop_cluster()
    for step in ("full", "incremental", "full_1"):
        models[step] = model_seconds(workdir / step / "dbt.log")
    return results, models


def main(sizes: list[int]) -> int:
    """Run every size, print the combined table, the slowest models and the targets."""
    import psutil
    import pyspark

    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"Spark {pyspark.__version__} (master + 2 one-core workers + Thrift server)"
    )
    table: dict[int, dict[str, str]] = {}
    spark_times: dict[int, dict[str, float]] = {}
    pg_full: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="pulse-bench-spark-") as tmp:
        for rows in sizes:
            before = bench.load_averages()
            print(f"\n== {rows:,} rows (load averages {before})", flush=True)
            ours = bench.run_size(rows, Path(tmp))
            for step, measure in ours.items():
                print(f"  {step:<28} {measure.seconds:8.1f} s   peak {measure.peak_mb:6.0f} MB")
            files = _bench_files(Path(tmp), rows)
            times, models = run_spark(files, Path(tmp) / f"spark_{rows}")
            spark_times[rows] = times
            pg_full[rows] = ours["full build"].seconds
            table[rows] = _cells(ours, times)
            print(f"load averages after {rows:,} rows: {bench.load_averages()} (before: {before})")
            for step, label in (("full", "full build"), ("incremental", "incremental build")):
                slowest = sorted(models[step].items(), key=lambda item: -item[1])[:6]
                shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
                print(f"  Spark {label}, slowest models: {shown}", flush=True)
    headers = [f"{rows:,} rows: {engine}" for rows in sizes for engine in ENGINES]
    print("\n| step | " + " | ".join(headers) + " |")
    print("|---|" + "---|" * len(headers))
    for step in STEPS:
        print(
            f"| {step} | "
            + " | ".join(table[rows][f"{step}|{e}"] for rows in sizes for e in ENGINES)
            + " |"
        )
    if TARGET_ROWS in spark_times:
        print(f"\nSpark's targets at {TARGET_ROWS:,} rows on this machine:")
        for text, met in _targets(spark_times[TARGET_ROWS], pg_full[TARGET_ROWS]):
            print(f"  [{'met' if met else 'MISSED'}] {text}")
    return 0


ENGINES = ("PostgreSQL", "Spark", "pandas")
STEPS = (
    "load",
    "full build",
    "load next day",
    "incremental build",
    "nightly run (next day + incremental)",
    "full build on 1 worker / 2 workers",
)


def _cells(ours: dict[str, bench.Measure], times: dict[str, float]) -> dict[str, str]:
    """Each (step, engine) cell of one size's column group as printed text."""

    def pg(step: str) -> str:
        return f"{ours[step].seconds:.1f} s, {ours[step].peak_mb:.0f} MB"

    pg_nightly = ours["load next day"].seconds + ours["incremental build"].seconds
    pandas = ours["pandas (same marts)"]
    pandas_text = f"{pandas.seconds:.1f} s, {pandas.peak_mb:.0f} MB"
    nightly = times["load next day"] + times["incremental build"]
    ratio = times["full build, 1 worker"] / times["full build"]
    cells = {}
    for step in ("load", "full build", "load next day", "incremental build"):
        cells[f"{step}|PostgreSQL"] = pg(step)
        cells[f"{step}|Spark"] = f"{times[step]:.1f} s"
        cells[f"{step}|pandas"] = "—"
    cells["full build|pandas"] = pandas_text + " (every mart)"
    cells["nightly run (next day + incremental)|PostgreSQL"] = f"{pg_nightly:.1f} s"
    cells["nightly run (next day + incremental)|Spark"] = f"{nightly:.1f} s"
    cells["nightly run (next day + incremental)|pandas"] = pandas_text + " (recompute)"
    cells["full build on 1 worker / 2 workers|PostgreSQL"] = "—"
    cells["full build on 1 worker / 2 workers|Spark"] = (
        f"{times['full build, 1 worker']:.1f} s / {times['full build']:.1f} s = {ratio:.2f}×"
    )
    cells["full build on 1 worker / 2 workers|pandas"] = "—"
    return cells


def _targets(times: dict[str, float], pg_full: float) -> list[tuple[str, bool]]:
    """The issue's Spark targets, each with the figure it was judged on."""
    nightly = times["load next day"] + times["incremental build"]
    ratio = times["full build, 1 worker"] / times["full build"]
    return [
        (f"nightly run <= {NIGHTLY_TARGET_S:.0f} s: {nightly:.1f} s", nightly <= NIGHTLY_TARGET_S),
        (f"full build no slower than PostgreSQL's: {times['full build']:.1f} s vs {pg_full:.1f} s",
         times["full build"] <= pg_full),
        (f"two workers >= {SCALE_OUT_TARGET}x as fast as one: {ratio:.2f}x",
         ratio >= SCALE_OUT_TARGET),
    ]  # fmt: skip
