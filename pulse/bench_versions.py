"""`pulse bench versions`: every domain built on two PostgreSQL versions, model by model.

A plan that depends on row estimates can be fine on one server and fall off a cliff on
another (the sales funnel once took 287 s on PostgreSQL 15 and 1.2 s on 18 with the same
data). For each seed this generates every domain, loads it into a fresh database on each
server, runs `dbt build --full-refresh --threads 1` ``REPEATS`` times (one model at a
time, so no model's time includes another's work) and keeps each model's fastest
execution time from dbt's ``run_results.json`` (the minimum is the least noisy estimate
on a shared machine). It prints the times side by side and flags a model that is more than
``MAX_RATIO`` times slower on one server than on another; times under ``FLOOR_SECONDS``
count as ``FLOOR_SECONDS`` (below that the difference is start-up noise, not a plan).

The servers: the embedded one, plus Debian's ``postgresql-15`` started in a scratch
directory when it is installed, plus any ``--server URL``. Exit code 1 when a model is
flagged, so the run can gate a change. It drops the databases it made.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from pulse import db, dbt
from pulse.domains import DOMAINS
from pulse.load import load, setup

MAX_RATIO = 2.0
FLOOR_SECONDS = 0.5
SHOP_ROWS = 300_000
REPEATS = 2


def generate(out: Path, seed: int) -> None:
    """Every domain's synthetic data into ``out/<domain>`` (a log: SHOP_ROWS rows)."""
    for domain in DOMAINS.values():
        rows = SHOP_ROWS if domain.log_rows is not None else None
        domain.generate(out / domain.name, seed=seed, rows=rows)


def build_times(conn: db.Connection, data: Path, target: Path) -> dict[str, float]:
    """Load every domain folder under ``data`` into ``conn``, build it ``REPEATS`` times,
    and return ``{model name: fastest execution seconds}`` (tests and seeds left out).
    Raises ``SystemExit`` when a build fails."""
    setup(conn)
    for domain in DOMAINS:
        load(conn, domain, data / domain)
    fastest: dict[str, float] = {}
    for _ in range(REPEATS):
        args = ["build", "--full-refresh", "--threads", "1", "--quiet"]
        code = dbt.run(args, conn, target_path=target).returncode
        if code:
            raise SystemExit(code)
        results = json.loads((target / "run_results.json").read_text())
        for result in results["results"]:
            if result["unique_id"].startswith("model."):
                model = result["unique_id"].split(".")[-1]
                seconds = result["execution_time"]
                fastest[model] = min(seconds, fastest.get(model, seconds))
    return fastest


def _servers(extra: list[str], workdir: Path) -> dict[str, db.Connection]:
    embedded = db.start_embedded().with_dbname("postgres")
    servers = {}
    with embedded.connect() as conn:
        servers[f"embedded {conn.info.server_version // 10000}"] = embedded
    bindir = db.debian_server_bindir(15)
    if bindir is not None:
        servers["debian 15"] = db.start_local_server(bindir, workdir / "pg15")
    for url in extra:
        conn = db.parse_url(url)
        servers[conn.url()] = conn  # the password stays hidden in the label
    return servers


def _flagged(times: dict[str, float]) -> bool:
    floored = [max(seconds, FLOOR_SECONDS) for seconds in times.values()]
    return max(floored) > MAX_RATIO * min(floored)


def main(seeds: list[int], extra_servers: list[str]) -> int:
    """Run the comparison; print per-model times; 1 if any model is flagged, else 0."""
    with tempfile.TemporaryDirectory(prefix="pulse-versions-") as tmp:
        workdir = Path(tmp)
        servers = _servers(extra_servers, workdir)
        if len(servers) < 2:
            print("only one server to compare: install postgresql-15 or pass --server URL")
            return 2
        # times[seed][model][server label]
        times: dict[int, dict[str, dict[str, float]]] = {}
        for seed in seeds:
            data = workdir / f"data_{seed}"
            generate(data, seed)
            times[seed] = {}
            for label, admin in servers.items():
                dbname = f"pulse_versions_{seed}"
                db.drop_database(admin, dbname)
                db.ensure_database(admin, dbname)
                try:
                    print(f"seed {seed}: building every domain on {label}", flush=True)
                    target = workdir / f"target_{seed}_{len(times[seed])}"
                    per_model = build_times(admin.with_dbname(dbname), data, target)
                finally:
                    db.drop_database(admin, dbname)
                for model, seconds in per_model.items():
                    times[seed].setdefault(model, {})[label] = seconds
        bindir = db.debian_server_bindir(15)
        if bindir is not None:
            db.stop_local_server(bindir, workdir / "pg15")
    return _report(times, list(servers))


def _report(times: dict[int, dict[str, dict[str, float]]], labels: list[str]) -> int:
    seeds = list(times)
    header = ["model"] + [f"{label} (s{seed})" for seed in seeds for label in labels]
    print("\n| " + " | ".join(header) + " | worst ratio |")
    print("|---" * (len(header) + 1) + "|")
    flagged = []
    for model in sorted(times[seeds[0]]):
        cells, worst = [], 1.0
        for seed in seeds:
            by_server = times[seed].get(model, {})
            cells += [f"{by_server.get(label, float('nan')):.2f}" for label in labels]
            floored = [max(seconds, FLOOR_SECONDS) for seconds in by_server.values()]
            worst = max(worst, max(floored) / min(floored))
            if _flagged(by_server):
                flagged.append((model, seed, by_server))
        print(f"| {model} | " + " | ".join(cells) + f" | {worst:.2f} |")
    total = {
        (seed, label): sum(times[seed][m].get(label, 0.0) for m in times[seed])
        for seed in seeds
        for label in labels
    }
    cells = " | ".join(f"{total[seed, label]:.1f}" for seed in seeds for label in labels)
    print(f"| **all models** | {cells} | |")
    if flagged:
        print(f"\nmore than {MAX_RATIO:g}x slower on one server than on another:")
        for model, seed, by_server in flagged:
            print(f"  {model} (seed {seed}): {by_server}")
        return 1
    print(f"\nno model more than {MAX_RATIO:g}x slower on one server than on another "
          f"(times under {FLOOR_SECONDS} s count as {FLOOR_SECONDS} s)")  # fmt: skip
    return 0
