"""The `pulse` command line: database, generator, loader, dbt and answers."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pulse import db


class UsageError(Exception):
    """A bad argument or environment setting: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (the usage is one `--help` away), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected a number of at least {minimum}, got {value}"
            )
        return value

    return parse


_positive_int = _whole_number(1)
_non_negative_int = _whole_number(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day YYYY-MM-DD, got {text!r}") from None


def _folder(text: str) -> str:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a folder")
    return text


def _http_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError(text)
    return text


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise ValueError(text)
    return value


def _retries(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _delay(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise ValueError(text)
    return value


# Every environment setting that is not free text: name -> (parser, what it must be).
DATABASE_SETTINGS: dict[str, tuple[Callable[[str], object], str]] = {
    "PULSE_DATABASE_URL": (db.parse_url, "a postgresql:// URL with a numeric port"),
    "DBT_PGPORT": (_port, "a port number from 1 to 65535"),
}
TELEGRAM_SETTINGS: dict[str, tuple[Callable[[str], object], str]] = {
    "PULSE_TELEGRAM_RETRIES": (_retries, "a whole number of attempts, at least 1"),
    "PULSE_TELEGRAM_RETRY_DELAY": (_delay, "a number of seconds, at least 0"),
    "PULSE_TELEGRAM_BASE_URL": (_http_url, "an http:// or https:// URL"),
}


def check_environment(settings: dict[str, tuple[Callable[[str], object], str]]) -> None:
    """Raise UsageError naming the first setting of `settings` that is set and invalid.

    The value of a URL is not repeated (it may hold a password).
    """
    for name, (parse, expected) in settings.items():
        value = os.environ.get(name)
        if value is None or value == "":
            continue
        try:
            parse(value)
        except ValueError:
            shown = "" if "URL" in name else f", got {value!r}"
            raise UsageError(f"{name} must be {expected}{shown}") from None


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
    from pulse.locks import LockTimeout, turn

    conn = db.current()
    try:
        with turn(conn, exclusive=True, what="pulse setup"):  # its DDL and ALTER ROLE alone
            setup(conn)
    except LockTimeout as exc:
        print(exc, file=sys.stderr)
        return 1
    print("raw schemas and tables of every contract are in place")
    from pulse import spark

    if spark.engine() == "spark":
        from pulse.spark_load import setup as setup_on_spark

        setup_on_spark()
        print("and raw_shop on Spark")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from pulse.domains import DOMAINS

    domain = DOMAINS[args.domain]
    if domain.log_rows is None and (args.rows is not None or args.days is not None):
        logs = " and ".join(d.name for d in DOMAINS.values() if d.log_rows is not None)
        raise UsageError(f"--rows and --days are options of the {logs} generator only")
    counts = domain.generate(
        Path(args.out), seed=args.seed, scale=args.scale, rows=args.rows, start=args.start,
        days=args.days, progress=sys.stderr.isatty(),
    )  # fmt: skip
    counts_text = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    print(f"generated {args.domain} into {args.out}: {counts_text}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from pulse import spark, spark_load
    from pulse.domains import DOMAINS
    from pulse.load import LoadError, load
    from pulse.locks import LockTimeout, turn

    paths = [Path(path) for path in args.paths]
    conn = db.current()
    try:
        # with PULSE_ENGINE=spark, Spark holds the shop; the rest stays on PostgreSQL
        if spark.engine() == "spark" and args.domain == spark_load.DOMAIN:
            loaded = spark_load.load(paths)
        else:
            with turn(conn, exclusive=False, what="pulse load"):  # not during a build
                loaded = load(
                    conn,
                    args.domain,
                    *paths,
                    progress=sys.stderr.isatty(),
                    allow_empty=args.allow_empty,
                )
    except LockTimeout as exc:
        print(f"load not started, nothing was loaded: {exc}", file=sys.stderr)
        return 1
    except LoadError as exc:
        print(f"load failed, nothing of this call was loaded: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a file that cannot be read
        print(
            f"load failed, nothing of this call was loaded: {exc.filename}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    for item in loaded:
        if item.note:
            print(f"note: {item.path}: {item.note}")
        if item.skipped_as:
            print(f"skipped {item.path}: the same file was loaded before as {item.skipped_as}")
            continue
        print(f"loaded {item.rows:>10,} rows into raw_{args.domain}.{item.table} from {item.path}")
        if item.continues:
            print(f"  (only its new lines: its start is {item.continues}, loaded before)")
    if len(paths) == 1 and paths[0].is_dir():
        loaded_tables = {item.table for item in loaded}
        for table in DOMAINS[args.domain].tables:
            if table.name not in loaded_tables:
                print(
                    f"note: {table.file} is not in {paths[0]}; "
                    f"raw_{args.domain}.{table.name} keeps what it had"
                )
    return 0


def _dbt(dbt_args: list[str]) -> int:
    """`pulse dbt ARGS…`: dbt against the current engine (pulse.dbt); a build takes its turn."""
    from pulse import dbt, locks, spark

    try:
        return dbt.run(dbt_args).returncode
    except locks.LockTimeout as exc:
        print(exc, file=sys.stderr)
        return 1
    except spark.SparkError as exc:
        print(f"dbt not run: {exc}", file=sys.stderr)
        return 1


def _telegram_settings():
    """The Telegram settings, or UsageError naming the one that is missing or invalid."""
    from pulse.telegram import DeliveryError, Settings

    check_environment(TELEGRAM_SETTINGS)
    try:
        return Settings.from_env()
    except DeliveryError as exc:
        raise UsageError(str(exc)) from None


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
    from pulse.report import NoData, build_report

    settings = None if args.dry_run else _telegram_settings()  # before any work
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
    return _send_report(report, settings, args.resend_uncertain)


def _send_report(report, settings, resend_uncertain: bool) -> int:
    """Deliver to every recipient; exit 1 naming each chat that failed. No token printed."""
    import asyncio
    import traceback

    from pulse.telegram import DeliveryError, configure_logging, deliver, redact

    configure_logging(settings.token, "WARNING")
    day = f"{report.day:%Y-%m-%d}"
    try:
        result = asyncio.run(
            deliver(report, settings, db.current(), resend_uncertain=resend_uncertain)
        )
    except DeliveryError as exc:
        print(f"report not delivered: {exc}", file=sys.stderr)
        return 1
    except Exception:  # an unexpected failure: its traceback, without the token
        print(redact(traceback.format_exc(), settings.token), file=sys.stderr)
        return 1
    for chat_id, parts in result.skipped.items():
        print(f"chat {chat_id}: {', '.join(parts)} of {day} delivered before, not sent again")
    delivered = [chat for chat in settings.chat_ids if chat not in result.failed]
    print(f"report for {day} delivered to {len(delivered)} of {len(settings.chat_ids)} chat(s)")
    for chat_id, reason in result.failed.items():
        print(f"report not delivered to chat {chat_id}: {reason}", file=sys.stderr)
    return 1 if result.failed else 0


def _bot(args: argparse.Namespace) -> int:
    from pulse.bot import run

    settings = _telegram_settings()
    try:
        run(db.current(), settings)
    except Exception as exc:  # e.g. the token rejected at start: say so, without the token
        from pulse.telegram import redact

        print(f"bot stopped: {redact(f'{type(exc).__name__}: {exc}', settings.token)}",
              file=sys.stderr)  # fmt: skip
        return 1
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


def _domains(args: argparse.Namespace) -> int:
    from pulse.domains import DOMAINS

    chosen = [d for d in DOMAINS.values() if d.answers or not args.with_answers]
    print(" ".join(d.name for d in chosen))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from pulse.domains import DOMAINS

    parser = _Parser(prog="pulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("db", help="manage the embedded PostgreSQL (or show the external one)")
    p.add_argument(
        "action",
        choices=["start", "stop", "status", "url", "env"],
        help="env: print the DBT_PG* exports for running dbt or sqlfluff by hand",
    )
    p.add_argument("--show-password", action="store_true", help="url: print the password too")
    p.set_defaults(func=_db)

    p = commands.add_parser("domains", help="print the registered domains (pulse/domains.py)")
    p.add_argument("--with-answers", action="store_true", help="only those `pulse answers` knows")
    p.set_defaults(func=_domains)

    p = commands.add_parser(
        "setup", help="create the BI role and every raw schema and table of the contracts"
    )
    p.set_defaults(func=_setup)

    p = commands.add_parser("generate", help="write synthetic raw data for a domain")
    p.add_argument("domain", choices=list(DOMAINS))
    p.add_argument("--out", type=_folder, required=True, help="folder to write the CSV files into")
    p.add_argument("--seed", type=_non_negative_int, default=42)
    p.add_argument("--scale", type=_positive_float, default=1.0, help="multiplies the volume")
    p.add_argument(
        "--rows", type=_positive_int, help="shop: rows of the log (default 200,000 × scale)"
    )
    p.add_argument("--start", type=_day, default=date(2021, 1, 1), help="shop: first day")
    p.add_argument(
        "--days", type=_positive_int, help="shop: days to cover (continue a log: --start)"
    )
    p.set_defaults(func=_generate)

    p = commands.add_parser("load", help="load CSV files into raw_DOMAIN with COPY")
    p.add_argument("domain", choices=list(DOMAINS))
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="folders of the domain's files, or files"
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="let a file with a header and no rows empty a table that holds rows",
    )
    p.set_defaults(func=_load)

    # `pulse dbt ARGS…` never reaches this parser (see main): every argument goes to dbt
    p = commands.add_parser("dbt", help="run dbt against the current database (ARGS…)")

    p = commands.add_parser("report", help="the daily sales report: to Telegram, or --dry-run")
    p.add_argument(
        "--date",
        type=_day,
        help="report day (YYYY-MM-DD); default: the data's last day",
    )
    p.add_argument(
        "--dry-run", metavar="DIR", type=_folder, help="write message.txt and the PNGs to DIR"
    )
    p.add_argument(
        "--resend-uncertain",
        action="store_true",
        help="send again the parts whose earlier reply was lost (check the chat first)",
    )
    p.set_defaults(func=_report)

    p = commands.add_parser("bot", help="run the Telegram bot (/report, /subscribe, …)")
    p.set_defaults(func=_bot)

    p = commands.add_parser("charts", help="draw a domain's charts as PNG")
    p.add_argument("domain", choices=["elearning"])
    p.add_argument("--out", type=_folder, default="out/charts", help="folder for the PNG files")
    p.set_defaults(func=_charts)

    p = commands.add_parser("bench", help="time the shop domain at scale against pandas")
    p.add_argument(
        "--rows", type=_positive_int, nargs="+", default=[1_000_000, 10_000_000], help="log sizes"
    )
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
    p.add_argument(
        "--seeds", type=_positive_int, nargs="+", default=[1, 2, 3], help="--versions: seeds"
    )
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
    p.add_argument("domain", choices=[name for name, d in DOMAINS.items() if d.answers])
    p.set_defaults(func=_answers)

    p = commands.add_parser("bi", help="Superset on the marts (.venv-bi): start it or stop it")
    p.add_argument("action", choices=["start", "stop"])
    p.set_defaults(func=_bi)
    return parser


def _bi(args: argparse.Namespace) -> int:
    from pulse import bi

    if args.action == "stop":
        print("Superset stopped" if bi.stop() else "Superset was not running")
        return 0
    from pulse.access import BI_ROLE
    from pulse.relations import ManifestError, schemas

    conn = db.current()
    try:
        mart_schemas = schemas("marts")
    except ManifestError:  # nothing parsed or built yet: the warning below says what to run
        mart_schemas = []
    with conn.connect() as pg:
        if not pg.execute("select 1 from pg_roles where rolname = %s", (BI_ROLE,)).fetchone():
            print(f"the role {BI_ROLE} does not exist here: run `pulse setup`", file=sys.stderr)
            return 1
        marts = pg.execute(
            "select count(*) from information_schema.tables where table_schema = any(%s)",
            (mart_schemas,),
        ).fetchone()[0]
    if not marts:
        print("warning: no marts in this database yet: run `make demo` (or `make build`)")
    bi.prepare(conn)
    url = bi.serve()
    print(f"Superset serves the Pulse dashboards on {url}, reading {conn.dbname} as pulse_bi")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one `pulse` command; returns its exit code (2: a bad argument or setting)."""
    import psycopg

    from pulse.relations import ManifestError
    from pulse.spark import SparkError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["dbt"]:  # every argument is dbt's, --help and --version included
            check_environment(DATABASE_SETTINGS)
            return _dbt(argv[1:])
        args = build_parser().parse_args(argv)
        if args.command not in ("generate", "domains"):
            check_environment(DATABASE_SETTINGS)
        return args.func(args)
    except UsageError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    except ManifestError as exc:  # the marts' names come from dbt's manifest (pulse.relations)
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
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
