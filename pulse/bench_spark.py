"""`pulse bench --engine spark`: the shop's steps on the local Spark cluster.

For each size it generates a log plus one more day (as `pulse bench`), starts a fresh
cluster in a temporary folder, loads the log through Spark, builds the shop models in
full, loads the next day and builds incrementally (the nightly run), then restarts the
cluster with one worker and builds in full again: the two-worker / one-worker ratio of
the full build is the scale-out. Wall-clock seconds only (Spark's JVMs are long-lived
servers: their memory is the heap sizes in pulse/spark.py). PostgreSQL's and pandas's
figures for the same sizes come from `pulse bench` (the README puts them side by side).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pulse import dbt, spark
from pulse.generate.shop import default_days
from pulse.generate.shop import generate as generate_shop

SHOP_MODELS = "staging.shop+ intermediate.shop+ marts.shop"
START = date(2021, 1, 1)


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _dbt_build(where: spark.Endpoint, target: Path, *args: str) -> None:
    command = ["build", "--select", SHOP_MODELS, "--exclude", "test_type:unit", "--quiet", *args]
    dbt.run(command, where, target_path=target).check_returncode()


def run_size(rows: int, workdir: Path) -> dict[str, float]:
    """Seconds of each step at ``rows`` rows (keys as printed by `main`)."""
    from pulse.spark_load import load

    days = default_days(rows)
    base, extra = workdir / f"base_{rows}", workdir / f"next_{rows}"
    generate_shop(base, rows=rows, seed=1, start=START, days=days)
    generate_shop(extra, rows=max(rows // days, 1), seed=1, start=START + timedelta(days), days=1)
    target = workdir / f"target_{rows}"
    os.environ["PULSE_SPARK_DIR"] = str(workdir / f"spark_{rows}")
    results: dict[str, float] = {}
    try:
        where = spark.start_cluster(workers=2)
        results["load (Spark reads the CSV)"] = _timed(lambda: load([base]))
        results["full dbt build, 2 workers"] = _timed(lambda: _dbt_build(where, target))
        results["load the next day"] = _timed(lambda: load([extra]))
        results["incremental dbt build"] = _timed(lambda: _dbt_build(where, target))
        spark.stop_cluster()
        where = spark.start_cluster(workers=1)
        results["full dbt build, 1 worker"] = _timed(
            lambda: _dbt_build(where, target, "--full-refresh")
        )
    finally:
        spark.stop_cluster()
    return results


def main(sizes: list[int]) -> int:
    """Print a table of seconds per step and size, with the nightly run and scale-out."""
    from tabulate import tabulate

    table: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pulse-bench-spark-") as workdir:
        for rows in sizes:
            table[rows] = run_size(rows, Path(workdir))
            results = table[rows]
            results["nightly run (next day + incremental)"] = (
                results["load the next day"] + results["incremental dbt build"]
            )
            results["scale-out: 1 worker / 2 workers (full build)"] = (
                results["full dbt build, 1 worker"] / results["full dbt build, 2 workers"]
            )
    steps = list(next(iter(table.values())))
    rows_out = [
        [step, *(f"{table[rows][step]:.2f}" + ("×" if "scale" in step else " s") for rows in sizes)]
        for step in steps
    ]
    import pyspark

    print(f"Spark {pyspark.__version__} standalone on 127.0.0.1, {os.cpu_count()} cores")
    print(tabulate(rows_out, headers=["step", *(f"{rows:,} rows" for rows in sizes)]))
    return 0
