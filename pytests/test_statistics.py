"""The statistics macros (macros/statistics.sql) against scipy.stats.

One `dbt run-operation` creates the functions in a fresh database and one `dbt compile
--inline` renders every query below; each query then computes a whole grid of cases in
PostgreSQL, which is compared with scipy. The required agreement is 1e-6 for statistics
and 1e-4 for p-values and CI bounds; the assertions ask for ~1e-9 (and most errors are
below 1e-12).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import dbt
from scipy import stats

MARKER = "-- query: "

WELCH_COLUMNS = """
    {{ pulse.welch_t_statistic(*args) }} as statistic,
    {{ pulse.welch_df(*args) }} as df,
    {{ pulse.welch_p_value(*args) }} as p_value,
    {{ pulse.welch_ci(*args, bound='low') }} as ci_low,
    {{ pulse.welch_ci(*args, bound='high') }} as ci_high,
    {{ pulse.welch_ci(*args, bound='low', confidence=0.9) }} as ci90_low,
    {{ pulse.welch_ci(*args, bound='high', confidence=0.9) }} as ci90_high
"""

PROPORTION_COLUMNS = """
    {{ pulse.two_proportion_z(*args) }} as z,
    {{ pulse.two_proportion_p_value(*args) }} as p_value,
    {{ pulse.two_proportion_ci(*args, bound='low') }} as ci_low,
    {{ pulse.two_proportion_ci(*args, bound='high') }} as ci_high,
    {{ pulse.two_proportion_ci(*args, bound='low', confidence=0.9) }} as ci90_low,
    {{ pulse.two_proportion_ci(*args, bound='high', confidence=0.9) }} as ci90_high
"""

# name -> the SQL (with the macros) that computes it over a table of cases, ordered by id.
QUERIES = {
    "t_cdf": """
        select {{ pulse.student_t_cdf('t', 'df') }} as value
        from stats_test.t_grid order by id
    """,
    "t_quantile": """
        select {{ pulse.student_t_quantile('p', 'df') }} as value
        from stats_test.p_grid order by id
    """,
    "normal_cdf": """
        select {{ pulse.normal_cdf('x') }} as value
        from stats_test.x_grid order by id
    """,
    "normal_quantile": """
        select {{ pulse.normal_quantile('p') }} as value
        from stats_test.q_grid order by id
    """,
    "chi_square_sf": """
        select {{ pulse.chi_square_sf('x', 'df') }} as value
        from stats_test.chi_grid order by id
    """,
    # The aggregates as a mart computes them: avg, var_samp and count over the rows.
    "welch": """
        {% set args = ['mean_a', 'var_a', 'n_a', 'mean_b', 'var_b', 'n_b'] %}
        with groups as (
            select
                case_id,
                avg(value) filter (where grp = 'a') as mean_a,
                var_samp(value) filter (where grp = 'a') as var_a,
                count(*) filter (where grp = 'a') as n_a,
                avg(value) filter (where grp = 'b') as mean_b,
                var_samp(value) filter (where grp = 'b') as var_b,
                count(*) filter (where grp = 'b') as n_b
            from stats_test.samples
            group by case_id
        )
        select case_id, """
    + WELCH_COLUMNS
    + """
        from groups order by case_id
    """,
    # Literal aggregates: degenerate groups (no variance, a single row).
    "welch_literals": """
        {% set args = ['mean_a', 'var_a', 'n_a', 'mean_b', 'var_b', 'n_b'] %}
        select """
    + WELCH_COLUMNS
    + """
        from (
            values
                (1, 0.0, 5, 1, 0.0, 7),
                (1, 0.0, 5, 2, 0.0, 7),
                (1990, 0.0, 5, 990, 0.0, 7),
                (1, null, 1, 2, 3.0, 7)
        ) as cases (mean_a, var_a, n_a, mean_b, var_b, n_b)
    """,
    "proportions": """
        {% set args = ['successes_a', 'n_a', 'successes_b', 'n_b'] %}
        select """
    + PROPORTION_COLUMNS
    + """
        from stats_test.proportions order by id
    """,
    "sample_ratio": """
        select
            {{ pulse.sample_ratio_chi_square('n_a', 'n_b', 'share_b') }} as chi_square,
            {{ pulse.sample_ratio_p_value('n_a', 'n_b', 'share_b') }} as p_value,
            {{ pulse.sample_ratio_chi_square('n_a', 'n_b', 0.8) }} as chi_square_literal
        from stats_test.sample_ratio order by id
    """,
    # Undefined inputs give null; the limits of the distributions are what scipy gives.
    "edges": """
        select
            {{ pulse.student_t_cdf('1', '0') }} as t_cdf_df_zero,
            {{ pulse.student_t_cdf('1', '-2') }} as t_cdf_df_negative,
            {{ pulse.student_t_cdf('null', '5') }} as t_cdf_null,
            {{ pulse.student_t_cdf("'NaN'", '5') }} as t_cdf_nan,
            {{ pulse.student_t_cdf("'-Infinity'", '5') }} as t_cdf_minus_infinity,
            {{ pulse.student_t_cdf("'Infinity'", '5') }} as t_cdf_infinity,
            {{ pulse.student_t_cdf('0', '3') }} as t_cdf_zero,
            {{ pulse.student_t_cdf('1.5', "'Infinity'") }} as t_cdf_df_infinity,
            {{ pulse.student_t_quantile('0.975', '0') }} as t_quantile_df_zero,
            {{ pulse.student_t_quantile('1.5', '10') }} as t_quantile_p_above_one,
            {{ pulse.student_t_quantile('null', '10') }} as t_quantile_null,
            {{ pulse.student_t_quantile('0.5', '10') }} as t_quantile_half,
            {{ pulse.normal_cdf('null') }} as normal_cdf_null,
            {{ pulse.normal_quantile('-0.1') }} as normal_quantile_negative,
            {{ pulse.chi_square_sf('3', '0') }} as chi_square_df_zero,
            {{ pulse.chi_square_sf('null', '1') }} as chi_square_null,
            {{ pulse.chi_square_sf('0', '2') }} as chi_square_zero,
            {{ pulse.two_proportion_z(0, 100, 0, 120) }} as z_no_successes,
            {{ pulse.two_proportion_z(3, 0, 2, 10) }} as z_empty_group,
            {{ pulse.sample_ratio_chi_square(0, 0, 0.8) }} as srm_no_users
    """,
}

DFS = [1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 17.3, 29, 30, 50, 99.5, 250, 1000, 1e4, 1e5]
# fmt: off
TS = [0, 1e-9, 1e-4, 0.01, *(k / 10 for k in range(1, 31)), 1.645, 1.96, 3.5, 4, 5, 6, 8, 10,
      15, 20, 30, 50, 100, 1e3, 1e5]
# fmt: on
PS = [1e-10, 1e-6, 1e-4, 1e-3, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5]


def split_queries(output: str) -> dict[str, str]:
    """The compiled queries by name, from `dbt compile --inline` output with markers."""
    queries = {}
    for chunk in output.split(MARKER)[1:]:
        name, _, sql = chunk.partition("\n")
        queries[name.strip()] = sql.strip()
    return queries


@pytest.fixture(scope="module", params=["default-server", "postgresql-15"])
def stats_db(request, tmp_path_factory):
    """The compiled queries on each server: the statistics must hold on PostgreSQL 15 too."""
    factory = "make_database" if request.param == "default-server" else "make_pg15_database"
    conn = request.getfixturevalue(factory)("statistics")
    target = tmp_path_factory.mktemp("dbt_statistics")
    created = dbt(conn, "run-operation", "run_create_statistics_functions", target_path=target)
    assert created.returncode == 0, created.stdout[-4000:] + created.stderr[-2000:]
    inline = "\n".join(f"{MARKER}{name}\n{sql}" for name, sql in QUERIES.items())
    compiled = dbt(conn, "--quiet", "compile", "--inline", inline, target_path=target)
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-2000:]
    queries = split_queries(compiled.stdout)
    assert set(queries) == set(QUERIES), compiled.stdout[-4000:]
    with conn.connect(autocommit=True) as pg:
        pg.execute("create schema if not exists stats_test")
        yield Runner(pg, queries)


class Runner:
    """Loads case tables and runs the compiled queries on one connection."""

    def __init__(self, pg, queries: dict[str, str]):
        self.pg = pg
        self.queries = queries

    def load(self, table: str, columns: str, rows: list[tuple]) -> None:
        self.pg.execute(f"drop table if exists stats_test.{table}")
        self.pg.execute(f"create table stats_test.{table} ({columns})")
        names = [part.split()[0] for part in columns.split(",")]
        sql = f"copy stats_test.{table} ({', '.join(names)}) from stdin"
        with self.pg.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def run(self, name: str) -> list[tuple]:
        return self.pg.execute(self.queries[name]).fetchall()

    def column(self, name: str) -> np.ndarray:
        return np.array([row[0] for row in self.run(name)], dtype=float)


def max_error(got, want, *, relative_above: float | None = None) -> float:
    """Largest |got - want|, or |got - want| / max(relative_above, |want|) if given."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want)), "null where scipy has a value"
    ok = ~np.isnan(want)
    diff = np.abs(got[ok] - want[ok])
    if relative_above is not None:
        diff = diff / np.maximum(relative_above, np.abs(want[ok]))
    return float(diff.max())


# Student t, normal, chi-square ---------------------------------------------------------------


def test_student_t_cdf_matches_scipy(stats_db):
    grid = [(t, df) for df in DFS for t in sorted({*TS, *(-t for t in TS)})]
    stats_db.load(
        "t_grid", "id int, t float8, df float8", [(i, t, df) for i, (t, df) in enumerate(grid)]
    )
    got = stats_db.column("t_cdf")
    t, df = np.array(grid).T
    want = stats.t.cdf(t, df)
    # scipy's t.cdf loses digits near 0 for df = 1 (t.cdf(1e-9, 1) is 0.5): the Cauchy there
    want[df == 1] = stats.cauchy.cdf(t[df == 1])
    assert max_error(got, want) < 1e-10
    # small tail probabilities keep their relative precision (they become p-values)
    tail = (want < 0.5) & (want > 1e-300)
    assert np.max(np.abs(got[tail] - want[tail]) / want[tail]) < 1e-8
    # the point of an exact CDF: with few degrees of freedom the normal is far off
    small = (df <= 5) & (np.abs(t) == 2)
    assert np.min(np.abs(got[small] - stats.norm.cdf(t[small]))) > 5e-3


def test_student_t_quantile_matches_scipy(stats_db):
    ps = sorted({*PS, *(1 - p for p in PS)})
    grid = [(p, df) for df in DFS for p in ps]
    stats_db.load(
        "p_grid", "id int, p float8, df float8", [(i, p, df) for i, (p, df) in enumerate(grid)]
    )
    got = stats_db.column("t_quantile")
    p, df = np.array(grid).T
    want = stats.t.ppf(p, df)
    # absolute for the usual quantiles, relative for the huge ones of df = 1 at p = 1e-10
    assert max_error(got, want, relative_above=1) < 1e-10
    # the normal quantile is far off with few degrees of freedom
    assert abs(got[(p == 0.975) & (df == 3)][0] - 1.959963984540054) > 1.2


def test_normal_cdf_and_quantile_match_scipy(stats_db):
    xs = [*np.linspace(-39, 39, 1561), -1e-120, 1e-120, -1e-8, 1e-8, 200.0, -200.0]
    stats_db.load("x_grid", "id int, x float8", [(i, float(x)) for i, x in enumerate(xs)])
    got = stats_db.column("normal_cdf")
    want = stats.norm.cdf(xs)
    assert max_error(got, want) < 1e-14
    tail = (want < 0.5) & (want > 1e-300)
    assert np.max(np.abs(got[tail] - want[tail]) / want[tail]) < 1e-11
    ps = sorted({1e-300, 1e-50, *PS, *(1 - p for p in PS), 1 - 2**-53})
    stats_db.load("q_grid", "id int, p float8", [(i, p) for i, p in enumerate(ps)])
    assert max_error(stats_db.column("normal_quantile"), stats.norm.ppf(ps)) < 1e-12


def test_chi_square_sf_matches_scipy(stats_db):
    xs = [0, 1e-8, 1e-3, 0.01, 0.1, 0.5, *np.linspace(1, 60, 119), 100, 500, 1000, 1500]
    grid = [(float(x), df) for df in (1, 2, 3, 4, 5, 0.5, 7.5) for x in xs]
    stats_db.load(
        "chi_grid", "id int, x float8, df float8", [(i, x, df) for i, (x, df) in enumerate(grid)]
    )
    got = stats_db.column("chi_square_sf")
    x, df = np.array(grid).T
    want = stats.chi2.sf(x, df)
    assert max_error(got, want) < 1e-13
    tail = (want < 0.5) & (want > 1e-300)
    assert np.max(np.abs(got[tail] - want[tail]) / want[tail]) < 1e-11


# Welch's t-test ------------------------------------------------------------------------------


def welch_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20240607)
    cases = []
    for n_a in range(3, 31):
        for _ in range(2):
            n_b = int(rng.integers(3, 31))
            a = rng.normal(100, rng.uniform(1, 30), n_a)
            b = rng.normal(100 + rng.uniform(-20, 20), rng.uniform(1, 30), n_b)
            cases.append((a, b))
    # skewed revenue among payers
    for n_a, n_b in ((4, 3), (12, 25), (30, 9)):
        cases.append((rng.lognormal(6, 1, n_a), rng.lognormal(6.3, 1, n_b)))
    # ARPAU: revenue per active user, mostly zeros (about 5% pay)
    for scale_b in (1.0, 1.1, 1.5):
        a = np.where(rng.random(5000) < 0.05, rng.lognormal(7, 0.8, 5000), 0.0)
        b = np.where(rng.random(20000) < 0.05, scale_b * rng.lognormal(7, 0.8, 20000), 0.0)
        cases.append((a, b))
    # revenue rounded to kopecks (numeric in the database)
    return [(np.round(a, 2), np.round(b, 2)) for a, b in cases]


def test_welch_matches_scipy(stats_db):
    cases = welch_cases()
    rows = [
        (case_id, grp, f"{value:.2f}")
        for case_id, (a, b) in enumerate(cases)
        for grp, values in (("a", a), ("b", b))
        for value in values
    ]
    stats_db.load("samples", "case_id int, grp text, value numeric", rows)
    result = stats_db.run("welch")
    assert [row[0] for row in result] == list(range(len(cases)))
    got = np.array([row[1:] for row in result], dtype=float)

    want = []
    for a, b in cases:
        test = stats.ttest_ind(b, a, equal_var=False)
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        diff = b.mean() - a.mean()
        q95, q90 = stats.t.ppf(0.975, test.df), stats.t.ppf(0.95, test.df)
        want.append(
            [
                test.statistic,
                test.df,
                test.pvalue,
                diff - q95 * se,
                diff + q95 * se,
                diff - q90 * se,
                diff + q90 * se,
            ]
        )
        # scipy's own interval of mean(b) - mean(a) agrees with the t.ppf one
        assert test.confidence_interval(0.95).low == pytest.approx(diff - q95 * se, rel=1e-12)
    want = np.array(want)

    names = ["statistic", "df", "p_value", "ci_low", "ci_high", "ci90_low", "ci90_high"]
    errors = {
        name: max_error(got[:, i], want[:, i], relative_above=1) for i, name in enumerate(names)
    }
    # the relative error for df and the CI bounds (ARPAU bounds are in roubles, df ~ 10^4)
    assert max(errors.values()) < 1e-9, errors
    assert max_error(got[:, 2], want[:, 2]) < 1e-10  # p-values, absolute
    # small groups: the p-value a normal approximation would give is off by far more than 1e-4
    small = np.array([len(a) + len(b) <= 12 for a, b in cases])
    normal_p = 2 * stats.norm.sf(np.abs(want[small, 0]))
    assert np.max(np.abs(normal_p - want[small, 2])) > 0.05


def test_welch_follows_scipys_limits_at_the_degenerate_edges(stats_db):
    no_variance, shifted_no_variance, shifted_down, single_row = stats_db.run("welch_literals")
    columns = ["statistic", "df", "p_value", "ci_low", "ci_high", "ci90_low", "ci90_high"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns of the precision loss
        equal = stats.ttest_ind([1.0] * 7, [1.0] * 5, equal_var=False)
        higher = stats.ttest_ind([2.0] * 7, [1.0] * 5, equal_var=False)
        lower = stats.ttest_ind([990.0] * 7, [1990.0] * 5, equal_var=False)
    # zero variance, different means: a certain difference (t infinite, p 0, CI the point)
    for got, scipy_result, diff in (
        (shifted_no_variance, higher, 1.0),
        (shifted_down, lower, -1000.0),
    ):
        got = dict(zip(columns, got, strict=True))
        assert got["statistic"] == scipy_result.statistic and math.isinf(got["statistic"])
        assert got["p_value"] == scipy_result.pvalue == 0
        interval = scipy_result.confidence_interval(0.95)
        assert got["ci_low"] == interval.low == diff and got["ci_high"] == interval.high == diff
        assert got["ci90_low"] == got["ci90_high"] == diff
        assert got["df"] is None  # 0/0; scipy writes 1 by convention
    # zero variance, equal means: undefined, as scipy says (its interval is the point 0)
    got = dict(zip(columns, no_variance, strict=True))
    assert math.isnan(equal.statistic) and math.isnan(equal.pvalue)
    assert got["statistic"] is None and got["p_value"] is None
    assert got["ci_low"] == equal.confidence_interval(0.95).low == 0
    # a group of one row has no variance: scipy gives NaN everywhere, we give null
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns of the precision loss
        single = stats.ttest_ind([1.0, 2.0, 4.0], [1.0], equal_var=False)
    assert math.isnan(single.pvalue)
    assert all(value is None for value in single_row)


# Two proportions and the sample ratio --------------------------------------------------------


def proportion_cases() -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(7)
    cases = [(3, 10, 7, 12), (1, 3, 2, 3), (0, 30, 4, 25), (5, 5, 2, 9), (82, 1538, 100, 6803)]
    for _ in range(40):
        n_a, n_b = (int(n) for n in rng.integers(3, 31, 2))
        cases.append((int(rng.integers(0, n_a + 1)), n_a, int(rng.integers(0, n_b + 1)), n_b))
    for _ in range(10):
        n_a, n_b = (int(n) for n in rng.integers(1000, 60000, 2))
        rate = rng.uniform(0.01, 0.2)
        cases.append(
            (
                int(rng.binomial(n_a, rate)),
                n_a,
                int(rng.binomial(n_b, rate * rng.uniform(0.9, 1.1))),
                n_b,
            )
        )
    # scipy needs both outcomes present in the table
    return [c for c in cases if 0 < c[0] + c[2] < c[1] + c[3]]


def test_two_proportion_z_matches_chi2_contingency(stats_db):
    cases = proportion_cases()
    stats_db.load(
        "proportions",
        "id int, successes_a int, n_a int, successes_b int, n_b int",
        [(i, *case) for i, case in enumerate(cases)],
    )
    got = np.array(stats_db.run("proportions"), dtype=float)
    z95, z90 = stats.norm.ppf(0.975), stats.norm.ppf(0.95)
    for (x_a, n_a, x_b, n_b), (z, p_value, low, high, low90, high90) in zip(
        cases, got, strict=True
    ):
        table = [[x_a, n_a - x_a], [x_b, n_b - x_b]]
        chi2, want_p, _, _ = stats.chi2_contingency(table, correction=False)
        p_a, p_b = x_a / n_a, x_b / n_b
        assert z * z == pytest.approx(chi2, rel=1e-10, abs=1e-12), (x_a, n_a, x_b, n_b)
        assert np.sign(z) == np.sign(p_b - p_a)
        assert abs(p_value - want_p) < 1e-10
        se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
        assert abs(low - (p_b - p_a - z95 * se)) < 1e-12
        assert abs(high - (p_b - p_a + z95 * se)) < 1e-12
        assert abs(low90 - (p_b - p_a - z90 * se)) < 1e-12
        assert abs(high90 - (p_b - p_a + z90 * se)) < 1e-12


def test_sample_ratio_chi_square_matches_scipy(stats_db):
    cases = [
        (14693, 59883, 0.8),
        (1000, 4000, 0.8),
        (1010, 3990, 0.8),
        (3, 9, 0.8),
        (500, 520, 0.5),
        (7, 0, 0.5),
        (120, 80, 0.4),
        (20000, 81000, 0.8),
    ]
    stats_db.load(
        "sample_ratio",
        "id int, n_a int, n_b int, share_b numeric",
        [(i, *case) for i, case in enumerate(cases)],
    )
    got = stats_db.run("sample_ratio")
    for (n_a, n_b, share), (chi_square, p_value, literal) in zip(cases, got, strict=True):
        total = n_a + n_b
        want = stats.chisquare([n_a, n_b], [total * (1 - share), total * share])
        assert chi_square == pytest.approx(want.statistic, rel=1e-12, abs=1e-12)
        assert abs(p_value - want.pvalue) < 1e-12
        assert p_value == pytest.approx(want.pvalue, rel=1e-9)
        if share == 0.8:
            assert literal == pytest.approx(want.statistic, rel=1e-12, abs=1e-12)


def test_edges(stats_db):
    cursor = stats_db.pg.execute(stats_db.queries["edges"])
    row = dict(zip([column.name for column in cursor.description], cursor.fetchone(), strict=True))
    limits = {
        "t_cdf_minus_infinity": 0,
        "t_cdf_infinity": 1,
        "t_cdf_zero": 0.5,
        "t_cdf_df_infinity": stats.norm.cdf(1.5),
        "t_quantile_half": 0,
        "chi_square_zero": 1,
    }
    for name, value in row.items():
        if name in limits:
            assert value == pytest.approx(limits[name], abs=1e-15), name
        else:
            assert value is None, name
