"""The `pulse` command line: database, generator, loader, dbt and answers."""

from __future__ import annotations

import argparse
import shlex
import sys
from datetime import date
from pathlib import Path

from pulse import db


def _db(args: argparse.Namespace) -> int:
    external = db.external_connection()
    if args.action == "env":
        conn = db.current()
        for name, value in conn.dbt_env().items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if args.action == "url":
        conn = external or db.embedded_status()
        if conn is None:
            print("the embedded PostgreSQL is not running: run `pulse db start`", file=sys.stderr)
            return 1
        print(conn.url(hide_password=not args.show_password))
        return 0
    if external is not None:
        if args.action == "status":
            with external.connect() as conn:
                version = conn.execute("show server_version").fetchone()[0]
            print(f"external PostgreSQL {version} at {external.url()}")
        else:
            print(
                f"PULSE_DATABASE_URL / DBT_PGHOST is set: {args.action} does nothing "
                f"to the external server {external.url()}"
            )
        return 0
    if args.action == "start":
        conn = db.start_embedded()
        print(f"embedded PostgreSQL running, data in {db.pgdata_dir()}: {conn.url()}")
    elif args.action == "stop":
        stopped = db.stop_embedded()
        print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
    elif args.action == "status":
        conn = db.embedded_status()
        if conn is None:
            print(f"embedded PostgreSQL is not running (data dir {db.pgdata_dir()})")
            return 3
        print(f"embedded PostgreSQL running, data in {db.pgdata_dir()}: {conn.url()}")
    return 0


def _setup(args: argparse.Namespace) -> int:
    from pulse.load import setup

    setup(db.current())
    print("raw schemas and tables of every contract are in place")
    from pulse import spark

    if spark.engine() == "spark":
        from pulse.spark_load import setup as setup_on_spark

        setup_on_spark()
        print("and raw_shop on Spark")
    return 0


def _generate(args: argparse.Namespace) -> int:
    if args.domain == "mentorhub":
        from pulse.generate.mentorhub import generate
    elif args.domain == "sales":
        from pulse.generate.sales import generate
    elif args.domain == "elearning":
        from pulse.generate.elearning import generate
    else:
        from pulse.generate.shop import generate as generate_shop

        def generate(out: Path, seed: int, scale: float) -> dict[str, int]:
            return generate_shop(
                out, rows=args.rows or int(200_000 * scale), seed=seed, start=args.start,
                days=args.days, progress=sys.stderr.isatty(),
            )  # fmt: skip

    counts = generate(Path(args.out), seed=args.seed, scale=args.scale)
    counts_text = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    print(f"generated {args.domain} into {args.out}: {counts_text}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from pulse import spark
    from pulse.load import LoadError, load

    paths = [Path(path) for path in args.paths]
    try:
        if spark.engine() == "spark" and args.domain == "shop":  # the rest stays on PostgreSQL
            from pulse.spark_load import load as load_on_spark

            loaded = load_on_spark(paths)
        else:
            loaded = load(db.current(), args.domain, *paths, progress=sys.stderr.isatty())
    except LoadError as exc:
        print(f"load failed, nothing was loaded from that file: {exc}", file=sys.stderr)
        return 2
    for item in loaded:
        if item.skipped_as:
            print(f"skipped {item.path}: the same file was loaded before as {item.skipped_as}")
            continue
        print(f"loaded {item.rows:>10,} rows into raw_{args.domain}.{item.table} from {item.path}")
    if len(paths) == 1 and paths[0].is_dir():
        from pulse.contracts import DOMAINS

        loaded_tables = {item.table for item in loaded}
        for table in DOMAINS[args.domain]:
            if table.name not in loaded_tables:
                print(
                    f"note: {table.file} is not in {paths[0]}; "
                    f"raw_{args.domain}.{table.name} keeps what it had"
                )
    return 0


def _dbt(args: argparse.Namespace) -> int:
    from pulse import spark

    if spark.engine() == "spark":
        try:
            return spark.run_dbt(args.dbt_args, check=False)
        except spark.SparkError as exc:
            print(f"dbt not run: {exc}", file=sys.stderr)
            return 1
    return db.run_dbt(args.dbt_args, db.current(), check=False)


def _spark(args: argparse.Namespace) -> int:
    from pulse.spark import command

    return command(args.action)


def _sql(args: argparse.Namespace) -> int:
    from pulse.sql import main as sql

    return sql(args.query, as_csv=args.csv)


def _answers(args: argparse.Namespace) -> int:
    from pulse.answers import print_answers

    print_answers(db.current(), args.domain)
    return 0


def _report(args: argparse.Namespace) -> int:
    import asyncio

    from pulse.report import NoData, build_report
    from pulse.telegram import DeliveryError, Settings, deliver

    try:
        report = build_report(db.current(), args.date)
    except NoData as exc:
        print(f"no report: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        out = Path(args.dry_run)
        out.mkdir(parents=True, exist_ok=True)
        (out / "message.txt").write_text(report.text + "\n", encoding="utf-8")
        for name, png in report.charts.items():
            (out / name).write_bytes(png)
        print(report.text)
        print(f"\n(dry run: message and {len(report.charts)} charts written to {out})")
        return 0
    try:
        settings = Settings.from_env()
        asyncio.run(deliver(report, settings))
    except DeliveryError as exc:
        print(f"report not delivered: {exc}", file=sys.stderr)
        return 1
    print(f"report for {report.day:%Y-%m-%d} sent to {len(settings.chat_ids)} chat(s)")
    return 0


def _bot(args: argparse.Namespace) -> int:
    from pulse.bot import run
    from pulse.telegram import DeliveryError, Settings

    try:
        settings = Settings.from_env()
    except DeliveryError as exc:
        print(f"bot not started: {exc}", file=sys.stderr)
        return 1
    run(db.current(), settings)
    return 0


def _charts(args: argparse.Namespace) -> int:
    from pulse.charts import NoData, write_charts

    try:
        paths = write_charts(db.current(), Path(args.out))
    except NoData as exc:
        print(f"no charts: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.versions:
        from pulse.bench_versions import main as bench_versions

        return bench_versions(args.seeds, args.server)
    if args.engine == "spark":
        from pulse.bench_spark import main as bench_spark

        return bench_spark(args.rows)
    from pulse.bench import main as bench

    return bench(args.rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("db", help="manage the embedded PostgreSQL (or show the external one)")
    p.add_argument(
        "action",
        choices=["start", "stop", "status", "url", "env"],
        help="env: print the DBT_PG* exports for running dbt or sqlfluff by hand",
    )
    p.add_argument("--show-password", action="store_true", help="url: print the password too")
    p.set_defaults(func=_db)

    p = commands.add_parser("setup", help="create every raw schema and table of the contracts")
    p.set_defaults(func=_setup)

    p = commands.add_parser("generate", help="write synthetic raw data for a domain")
    p.add_argument("domain", choices=["mentorhub", "sales", "elearning", "shop"])
    p.add_argument("--out", required=True, help="folder to write the CSV files into")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the volume")
    p.add_argument("--rows", type=int, help="shop: rows of the log (default 200,000 × scale)")
    p.add_argument(
        "--start", type=date.fromisoformat, default=date(2021, 1, 1), help="shop: first day"
    )
    p.add_argument("--days", type=int, help="shop: days to cover (continue a log: --start)")
    p.set_defaults(func=_generate)

    p = commands.add_parser("load", help="load CSV files into raw_DOMAIN with COPY")
    p.add_argument("domain")
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="a folder of the domain's files, or files"
    )
    p.set_defaults(func=_load)

    p = commands.add_parser("dbt", help="run dbt against the current database", add_help=False)
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_dbt)

    p = commands.add_parser("report", help="the daily sales report: to Telegram, or --dry-run")
    p.add_argument(
        "--date",
        type=date.fromisoformat,
        help="report day (YYYY-MM-DD); default: the data's last day",
    )
    p.add_argument("--dry-run", metavar="DIR", help="write message.txt and the PNGs to DIR")
    p.set_defaults(func=_report)

    p = commands.add_parser("bot", help="run the Telegram bot (/report, /subscribe, …)")
    p.set_defaults(func=_bot)

    p = commands.add_parser("charts", help="draw a domain's charts as PNG")
    p.add_argument("domain", choices=["elearning"])
    p.add_argument("--out", default="out/charts", help="folder for the PNG files")
    p.set_defaults(func=_charts)

    p = commands.add_parser("bench", help="time the shop domain at scale against pandas")
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="log sizes")
    p.add_argument(
        "--engine",
        choices=["postgres", "spark"],
        default="postgres",
        help="spark: the same steps on the local Spark cluster, plus one worker vs two",
    )
    p.add_argument(
        "--versions",
        action="store_true",
        help="instead: build every domain on each PostgreSQL version, per-model times",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="--versions: seeds")
    p.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="URL",
        help="--versions: another server to compare (postgresql:// URL); repeatable",
    )
    p.set_defaults(func=_bench)

    p = commands.add_parser("spark", help="the local Spark cluster and its Thrift server")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=_spark)

    p = commands.add_parser("sql", help="a read-only query on the current engine (PULSE_ENGINE)")
    p.add_argument("query", help="one SELECT (or WITH …, SHOW, DESCRIBE) statement")
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=_sql)

    p = commands.add_parser("answers", help="print a domain's answers as tables")
    p.add_argument("domain", choices=["mentorhub", "sales", "elearning"])
    p.set_defaults(func=_answers)
    return parser


def main(argv: list[str] | None = None) -> int:
    import psycopg

    from pulse.spark import SparkError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except psycopg.OperationalError as exc:
        where = db.external_connection()
        target = where.url() if where else f"the embedded server in {db.pgdata_dir()}"
        first_line = str(exc).strip().splitlines()[0]
        print(f"cannot reach PostgreSQL at {target}: {first_line}", file=sys.stderr)
        return 1
    except SparkError as exc:  # PULSE_ENGINE=spark: no cluster, no Java, a bad engine name
        print(f"spark: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `pulse answers mentorhub | head`
        sys.stderr.close()
        return 0
