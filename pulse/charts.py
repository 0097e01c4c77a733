"""`pulse charts elearning`: the A/B test's three metrics per group with 95% CIs, as a PNG.

Reads only the marts `elearning_ab_group_intervals` and `elearning_ab_test_results`, by
their names in dbt's manifest (`pulse.relations`).
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pulse.db import Connection
from pulse.relations import relation

PANELS = [
    ("conversion_rate", "Конверсия в оплату", "{:.2%}"),
    ("arpau", "ARPAU, ₽", "{:,.1f}"),
    ("arppu", "ARPPU, ₽", "{:,.0f}"),
]
COLOURS = {"A": "#8c8c8c", "B": "#337ab7"}


class NoData(Exception):
    """The A/B marts are empty."""


def ab_test_chart(conn: Connection) -> bytes:
    with conn.connect() as db:
        intervals = db.execute(
            "select metric, grp, value, ci_low, ci_high "
            f"from {relation('elearning_ab_group_intervals')} order by grp"
        ).fetchall()
        results = dict(
            db.execute(
                f"select metric, p_value from {relation('elearning_ab_test_results')}"
            ).fetchall()
        )
    if not intervals:
        raise NoData("the A/B marts are empty: load the A/B files and run the build first")
    figure, axes = plt.subplots(1, 3, figsize=(11, 4.2))
    for axis, (metric, title, fmt) in zip(axes, PANELS, strict=True):
        rows = [
            (grp, float(value), low, high)
            for name, grp, value, low, high in intervals
            if name == metric and value is not None
        ]
        groups = [grp for grp, *_ in rows]
        values = [value for _, value, _, _ in rows]
        below = [value - low if low is not None else 0 for _, value, low, _ in rows]
        above = [high - value if high is not None else 0 for _, value, _, high in rows]
        bars = axis.bar(groups, values, color=[COLOURS[g] for g in groups],
                        yerr=[below, above], capsize=8)  # fmt: skip
        axis.bar_label(bars, labels=[fmt.format(v) for v in values], label_type="center",
                       color="white", fontweight="bold")  # fmt: skip
        p_value = results.get(metric)
        note = f"p = {p_value:.3g}" if p_value is not None else "p = —"
        axis.set_title(f"{title}\n{note}", fontsize=12)
        axis.spines[["top", "right"]].set_visible(False)
    figure.suptitle("A/B-тест механики оплаты: группы A и B, 95% доверительные интервалы")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def write_charts(conn: Connection, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "elearning_ab_test.png"
    path.write_bytes(ab_test_chart(conn))
    return [path]
