"""`python -m pulse.dbt_runner ARGS…`: dbt's command line, run in-process (dbt's
`dbtRunner`) so that a command that writes tables writes dbt's manifest once.

`dbt build` on its own writes `manifest.json` twice: once after parsing and again after
the run (dbt-core 1.11, `parse_manifest` and `GraphRunnableTask.run`). Here a building
command first parses without writing (`dbt parse --no-write-json` with the command's own
parse options: target and log paths, vars, target, profile…) and then runs on that
manifest, which dbt writes once, at the end, with the run's results. At 10M shop rows the
nightly build is about 0.25 s shorter (README, Performance). Every other command is
passed to dbt as it is. The exit code is dbt's: 0 success, 1 a node failed, 2 dbt could
not run.

`pulse.dbt.run` starts this module as its own process, so each dbt command still gets a
fresh interpreter, its own environment and its own output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

# dbt commands that write tables (pulse.dbt takes the database's lock for them)
BUILDING = frozenset({"build", "run", "seed", "snapshot"})


def _options(command) -> dict[str, bool]:
    """Each option string of a click command -> whether it takes a value."""
    found: dict[str, bool] = {}
    for param in command.params:
        for name in (*param.opts, *getattr(param, "secondary_opts", ())):
            found[name] = not getattr(param, "is_flag", False)
    return found


def parse_arguments(args: Sequence[str]) -> list[str]:
    """The arguments of `dbt parse` that reproduce the parse of the command `args` (verb
    first): every option that parse knows, with its value, and ``--no-write-json``. An
    option neither knows is left out here; the command itself then refuses it."""
    from dbt.cli.main import cli

    verb, *rest = args
    parsing, command = _options(cli.commands["parse"]), _options(cli.commands[verb])
    kept: list[str] = []
    position = 0
    while position < len(rest):
        token = rest[position]
        position += 1
        name, has_value, _ = token.partition("=")
        if not name.startswith("-"):
            continue  # a further value of the option before (--select a b)
        if name in ("--write-json", "--no-write-json"):
            continue
        if name in parsing:
            kept.append(token)
            if parsing[name] and not has_value and position < len(rest):
                kept.append(rest[position])
                position += 1
        elif command.get(name) and not has_value:
            position += 1  # its first value; more are skipped as they come
    return ["parse", *kept, "--no-write-json"]


def main(args: Sequence[str]) -> int:
    """Run dbt with `args`; returns dbt's exit code."""
    from dbt.cli.main import dbtRunner

    verb = args[0] if args and not args[0].startswith("-") else None
    manifest = None
    if verb in BUILDING and "--no-write-json" not in args:
        parsed = dbtRunner().invoke(parse_arguments(args))
        if not parsed.success:
            return 2
        manifest = parsed.result
    result = dbtRunner(manifest=manifest).invoke(list(args))
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
