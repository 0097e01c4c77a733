"""README.md, "Adding a domain", followed to the letter for a throwaway domain `tiny`.

In a copy of the project (the copy's `pulse` package imported through PYTHONPATH, so
its registry is the one the commands read) it adds the contract, the generator, the
registry entry, the dbt folders and the dbt_project.yml block the guide lists, then checks
that the Makefile, `pulse domains|generate|setup|load|dbt build` take the new domain in,
and that its mart holds what the generated file says, summed here in plain Python.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from pulse.db import PROJECT_DIR

CONTRACT = """

TINY: tuple[Table, ...] = (
    Table("orders", (("order_id", "integer"), ("amount", "numeric")), "orders.csv"),
)
"""

GENERATOR = '''"""Synthetic orders of the tiny shop."""

import csv
import random
from pathlib import Path


def generate(out: Path, *, seed: int = 42, scale: float = 1.0) -> dict[str, int]:
    rng = random.Random(seed)
    rows = max(1, int(50 * scale))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "orders.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "amount"])
        for order_id in range(1, rows + 1):
            writer.writerow([order_id, f"{rng.uniform(1, 500):.2f}"])
    return {"orders": rows}
'''

ENTRY = '    Domain("tiny", contracts.TINY, "replace", "pulse.generate.tiny"),\n'

FILES = {
    "models/staging/tiny/_tiny__sources.yml": """version: 2

sources:
  - name: tiny
    description: The tiny shop's orders, loaded by `pulse load tiny DIR` into `raw_tiny`.
    schema: raw_tiny
    tables:
      - name: orders
        description: One row per order.
""",
    "models/staging/tiny/_tiny__models.yml": """version: 2

models:
  - name: stg_tiny__orders
    description: Orders with an id.
    columns:
      - name: order_id
        description: The order.
        data_tests: [unique, not_null]
      - name: amount
        description: Its amount in roubles.
""",
    "models/staging/tiny/stg_tiny__orders.sql": """with

source as (
    select * from {{ source('tiny', 'orders') }}
),

final as (
    select
        order_id,
        amount
    from source
    where order_id is not null
)

select * from final
""",
    "models/intermediate/tiny/_tiny__models.yml": """version: 2

models:
  - name: int_orders_totaled
    description: Orders and revenue of the whole log.
    config:
      access: private
      group: tiny
    columns:
      - name: orders
        description: Orders.
      - name: revenue
        description: Their amounts summed.
""",
    "models/intermediate/tiny/int_orders_totaled.sql": """with

orders as (
    select * from {{ ref('stg_tiny__orders') }}
),

final as (
    select
        count(*) as orders,
        coalesce(sum(amount), 0) as revenue
    from orders
)

select * from final
""",
    "models/marts/tiny/_tiny__models.yml": """version: 2

groups:
  - name: tiny
    owner:
      name: Pulse analytics engineering

models:
  - name: tiny_totals
    description: The tiny shop's totals, in one row.
    data_tests:
      - row_count_at_most:
          arguments:
            max_rows: 1
    columns:
      - name: orders
        description: Orders.
        data_type: bigint
      - name: revenue
        description: Revenue in roubles.
        data_type: numeric

unit_tests:
  - name: tiny_totals_passes_the_totals_through
    model: tiny_totals
    given:
      - input: ref('int_orders_totaled')
        rows:
          - {orders: 2, revenue: 30.5}
    expect:
      rows:
        - {orders: 2, revenue: 30.5}
""",
    "models/marts/tiny/tiny_totals.sql": """with

totals as (
    select * from {{ ref('int_orders_totaled') }}
),

final as (
    select
        orders,
        revenue
    from totals
)

select * from final
""",
}

IGNORED = (".git", ".venv", ".venv-bi", ".pulse", "target", "logs", "data", "out", "*.egg-info")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with the domain `tiny` added as the guide says."""
    copy = tmp_path_factory.mktemp("fifth") / "pulse-project"
    ignore = shutil.ignore_patterns(*IGNORED, "__pycache__", "profiles.yml")
    shutil.copytree(PROJECT_DIR, copy, ignore=ignore)
    # 1. the raw contract
    with (copy / "pulse" / "contracts.py").open("a") as contracts:
        contracts.write(CONTRACT)
    # 2. the generator
    (copy / "pulse" / "generate" / "tiny.py").write_text(GENERATOR)
    # 3. the registry entry: the last line of REGISTRY
    domains = copy / "pulse" / "domains.py"
    text = domains.read_text()
    assert text.count("\n)\n\nDOMAINS") == 1, "REGISTRY's end moved: update the guide and test"
    domains.write_text(text.replace("\n)\n\nDOMAINS", f"\n{ENTRY})\n\nDOMAINS"))
    # 4. the dbt folders
    for name, content in FILES.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(content)
    # 5. dbt_project.yml: its marts' schema and group, PostgreSQL only
    config = yaml.safe_load((copy / "dbt_project.yml").read_text())
    models = config["models"]["pulse"]
    postgres_only = {"+enabled": "{{ target.type != 'spark' }}"}
    models["staging"]["tiny"] = dict(postgres_only)
    models["intermediate"]["tiny"] = dict(postgres_only)
    models["marts"]["tiny"] = {"+schema": "tiny", "+group": "tiny", **postgres_only}
    (copy / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    # 6. dbt-bouncer's marts name rule
    bouncer = (copy / "dbt-bouncer.yml").read_text()
    (copy / "dbt-bouncer.yml").write_text(
        bouncer.replace("|shop)_[a-z_]+$", "|shop|tiny)_[a-z_]+$")
    )
    return copy


def pulse(project: Path, conn, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "PULSE_DATABASE_URL": conn.url(hide_password=False),
    }
    env.pop("DBT_PGHOST", None)
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_a_new_domain_is_one_registry_entry_and_its_own_folders(project, make_database, tmp_path):
    conn = make_database("tiny_domain")

    listed = pulse(project, conn, "domains")
    assert listed.stdout.split() == ["mentorhub", "sales", "elearning", "shop", "tiny"]
    make = subprocess.run(
        ["make", "-n", "generate", f"PULSE={sys.executable} -m pulse"],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "for domain in mentorhub sales elearning shop tiny;" in make.stdout, make.stderr

    data = tmp_path / "tiny"
    generated = pulse(project, conn, "generate", "tiny", "--out", str(data), "--seed", "3")
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.strip() == f"generated tiny into {data}: 50 orders"

    assert pulse(project, conn, "setup").returncode == 0
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_tiny.orders").fetchone()[0] == 0

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "orders.csv").write_text("order_id,amount\n1,12.50\n2,a lot\n")
    refused = pulse(project, conn, "load", "tiny", str(bad))
    assert refused.returncode == 2
    assert "orders.csv, line 3, column 2 (amount): value 'a lot'" in refused.stderr

    loaded = pulse(project, conn, "load", "tiny", str(data))
    assert loaded.returncode == 0, loaded.stderr
    assert "50 rows into raw_tiny.orders" in loaded.stdout

    built = pulse(project, conn, "dbt", "build", "--select", "+marts.tiny", "--quiet")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-2000:]
    with (data / "orders.csv").open() as handle:
        amounts = [Decimal(row["amount"]) for row in csv.DictReader(handle)]
    with conn.connect() as db:
        totals = db.execute("select orders, revenue from tiny.tiny_totals").fetchall()
    assert totals == [(len(amounts), sum(amounts))]
