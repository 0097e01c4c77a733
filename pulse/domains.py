"""The businesses Pulse serves: one declaration per domain, read by everything else.

A domain is its raw contract (the files it receives and their tables in ``raw_<name>``,
pulse/contracts.py), how its files load (``replace``: each file is the whole table;
``append``: a log, each file adds rows and is recorded in ``raw_<name>._loads``), the
module that generates synthetic data for it, and whether `pulse answers` prints its
questions (pulse/answers.py, ``QUESTIONS[name]``). Its name is also the schema of its
marts and the prefix of their names (``<name>_…``).

The CLI's choices, `pulse domains` (the Makefile's list), the loader, the test fixtures
and the conventions test read ``DOMAINS``. Adding a domain is one entry in ``REGISTRY``
plus that domain's own folders: README.md, "Adding a domain".
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pulse import contracts
from pulse.contracts import Table

MODES = ("replace", "append")


@dataclass(frozen=True)
class Domain:
    name: str  # lowercase letters: raw_<name>, the marts' schema and name prefix
    tables: tuple[Table, ...]  # the raw contract, one table per file
    mode: str  # "replace" or "append" (see the module's docstring)
    # module with generate(out, *, seed, scale) -> {file or table: rows written}; a log's
    # generator (log_rows set) takes generate(out, *, rows, seed, start, days, progress)
    generator: str
    log_rows: int | None = None  # a log generator's rows at --scale 1
    answers: bool = False  # `pulse answers <name>` prints QUESTIONS[name] of pulse.answers

    def __post_init__(self):
        if not re.fullmatch(r"[a-z]+", self.name):
            raise ValueError(f"domain name {self.name!r}: lowercase letters only")
        if self.mode not in MODES:
            raise ValueError(f"domain {self.name}: mode must be one of {MODES}, not {self.mode!r}")

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.name}"

    @property
    def appends(self) -> bool:
        return self.mode == "append"

    def generate(
        self,
        out: Path,
        *,
        seed: int,
        scale: float = 1.0,
        rows: int | None = None,
        start: date = date(2021, 1, 1),
        days: int | None = None,
        progress: bool = False,
    ) -> dict[str, int]:
        """Write synthetic raw files of this domain into ``out``; rows written per name.

        ``rows`` (default ``log_rows`` times ``scale``), ``start`` and ``days`` are a log
        generator's; for another domain ``rows`` or ``days`` raise ValueError.
        """
        module = importlib.import_module(self.generator)
        if self.log_rows is None:
            if rows is not None or days is not None:
                raise ValueError(f"the {self.name} generator takes no rows or days")
            return module.generate(out, seed=seed, scale=scale)
        rows = rows if rows is not None else max(1, int(self.log_rows * scale))
        return module.generate(out, rows=rows, seed=seed, start=start, days=days, progress=progress)


REGISTRY: tuple[Domain, ...] = (
    Domain(
        "mentorhub",
        contracts.MENTORHUB,
        "replace",
        "pulse.generate.mentorhub",
        answers=True,
    ),
    Domain("sales", contracts.SALES, "replace", "pulse.generate.sales", answers=True),
    Domain(
        "elearning",
        contracts.ELEARNING,
        "replace",
        "pulse.generate.elearning",
        answers=True,
    ),
    Domain(
        "shop",
        contracts.SHOP,
        "append",
        "pulse.generate.shop",
        log_rows=200_000,
    ),
)

DOMAINS: dict[str, Domain] = {domain.name: domain for domain in REGISTRY}


def marts_name_pattern() -> str:
    """The regular expression every mart's name matches: a registered domain, then ``_``."""
    return f"^({'|'.join(DOMAINS)})_[a-z_]+$"
