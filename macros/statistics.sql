{# Median as an ordered-set aggregate (continuous: the mean of the two middle values). #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'pulse')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    {{ exceptions.raise_compiler_error("median is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{#
    Exact statistical distributions and the A/B tests built on them.

    The distributions are SQL functions in the schema `pulse_udf`, created by
    `create_statistics_functions()` (on-run-start; `run_create_statistics_functions` runs it
    from `dbt run-operation`). The expression macros below call them. Every public macro
    dispatches: the distribution macros have a postgres__ implementation only, the test
    macros (`welch_*`, `two_proportion_*`, `sample_ratio_*`) a default__ one in portable SQL
    over the distribution macros, so another adapter (Spark) needs `<adapter>__` versions of
    create_statistics_functions, stat_double and the distribution macros. Arguments are SQL
    expressions; variances are sample variances (`var_samp`). A result is null where the test
    is undefined (no variance, n < 2, an empty group) and where an input is null or NaN;
    df <= 0 gives null.
#}

{% macro statistics_udf_schema() -%}
    pulse_udf
{%- endmacro %}

{# The SQL creating the functions (idempotent: create or replace). #}
{% macro create_statistics_functions() -%}
    {{ return(adapter.dispatch('create_statistics_functions', 'pulse')()) }}
{%- endmacro %}

{% macro default__create_statistics_functions() -%}
    {{ exceptions.raise_compiler_error(
        "create_statistics_functions is not implemented for " ~ target.type) }}
{%- endmacro %}

{# `dbt run-operation run_create_statistics_functions` creates the functions by hand. #}
{% macro run_create_statistics_functions() -%}
    {% do run_query(create_statistics_functions()) %}
    {{ log("statistics functions created in schema " ~ statistics_udf_schema(), info=true) }}
{%- endmacro %}

{% macro postgres__create_statistics_functions() -%}
{%- set s = statistics_udf_schema() -%}
create schema if not exists {{ s }};

-- ln(1 + u), accurate for small u (Kahan's trick).
create or replace function {{ s }}.log1p(u double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    w double precision;
begin
    if u = 'NaN' or u <= -1 then
        return null;
    end if;
    if u = 'Infinity' then
        return u;
    end if;
    w := 1 + u;
    if w = 1 then
        return u;
    end if;
    return ln(w) * u / (w - 1);
end;
$$;

-- ln Γ(x) - ((x - 1/2) ln x - x + ln √(2π)): the Stirling series, for x >= 10.
create or replace function {{ s }}.ln_gamma_correction(x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    z double precision;
begin
    if x > 1e8 then
        return 1 / (12 * x);
    end if;
    z := 1 / (x * x);
    return (
        0.08333333333333333 - z * (
            0.002777777777777778 - z * (
                0.0007936507936507937 - z * (
                    0.0005952380952380953 - z * (
                        0.0008417508417508417 - z * (
                            0.0019175269175269176 - z * 0.00641025641025641
                        )
                    )
                )
            )
        )
    ) / x;
end;
$$;

-- ln Γ(x) for x > 0: shifted up to x >= 10 by the recurrence, then the Stirling series
-- (relative error ~1e-16).
create or replace function {{ s }}.ln_gamma(x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    y double precision := x;
    shift double precision := 1;
begin
    if not (x > 0 and x < 'Infinity') then
        return null;
    end if;
    while y < 10 loop
        shift := shift * y;
        y := y + 1;
    end loop;
    return (y - 0.5) * ln(y) - y + 0.9189385332046727
        + {{ s }}.ln_gamma_correction(y) - ln(shift);
end;
$$;

-- ln B(a, b), without cancelling the large terms when a or b is large.
create or replace function {{ s }}.ln_beta(a double precision, b double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    p double precision := least(a, b);
    q double precision := greatest(a, b);
begin
    if not (p > 0 and q < 'Infinity') then
        return null;
    end if;
    if q < 10 then
        return {{ s }}.ln_gamma(p) + {{ s }}.ln_gamma(q) - {{ s }}.ln_gamma(p + q);
    end if;
    if p < 10 then
        return {{ s }}.ln_gamma(p)
            + {{ s }}.ln_gamma_correction(q) - {{ s }}.ln_gamma_correction(p + q)
            + p - p * ln(p + q) - (q - 0.5) * {{ s }}.log1p(p / q);
    end if;
    return 0.9189385332046727 - 0.5 * ln(q)
        + {{ s }}.ln_gamma_correction(p) + {{ s }}.ln_gamma_correction(q)
        - {{ s }}.ln_gamma_correction(p + q)
        + (p - 0.5) * ln(p / (p + q)) + q * {{ s }}.log1p(-p / (p + q));
end;
$$;

-- The continued fraction of I_x(a, b) (modified Lentz); converges for x < (a + 1) / (a + b + 2).
create or replace function {{ s }}.incomplete_beta_cf(
    a double precision, b double precision, x double precision
)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    tiny constant double precision := 1e-30;
    c double precision := 1;
    d double precision;
    h double precision;
    aa double precision;
    del double precision;
    m integer := 1;
begin
    d := 1 - (a + b) * x / (a + 1);
    if abs(d) < tiny then
        d := tiny;
    end if;
    d := 1 / d;
    h := d;
    while m <= 100000 loop
        aa := m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        d := 1 + aa * d;
        if abs(d) < tiny then
            d := tiny;
        end if;
        c := 1 + aa / c;
        if abs(c) < tiny then
            c := tiny;
        end if;
        d := 1 / d;
        h := h * d * c;
        aa := -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        d := 1 + aa * d;
        if abs(d) < tiny then
            d := tiny;
        end if;
        c := 1 + aa / c;
        if abs(c) < tiny then
            c := tiny;
        end if;
        d := 1 / d;
        del := d * c;
        h := h * del;
        exit when abs(del - 1) < 1e-15;
        m := m + 1;
    end loop;
    return h;
end;
$$;

-- I_x(a, b) given both x and y = 1 - x, each to full relative precision.
create or replace function {{ s }}.incomplete_beta_xy(
    x double precision, y double precision, a double precision, b double precision
)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    log_front double precision;
    cf double precision;
begin
    if x <= 0 then
        return 0;
    end if;
    if y <= 0 then
        return 1;
    end if;
    if x < 0.5 then
        log_front := a * ln(x) + b * {{ s }}.log1p(-x);
    else
        log_front := a * {{ s }}.log1p(-y) + b * ln(y);
    end if;
    log_front := log_front - {{ s }}.ln_beta(a, b);
    if x < (a + 1) / (a + b + 2) then
        cf := {{ s }}.incomplete_beta_cf(a, b, x);
        if log_front + ln(cf) - ln(a) < -700 then
            return 0;
        end if;
        return exp(log_front + ln(cf) - ln(a));
    end if;
    -- the symmetry I_x(a, b) = 1 - I_y(b, a)
    cf := {{ s }}.incomplete_beta_cf(b, a, y);
    if log_front + ln(cf) - ln(b) < -700 then
        return 1;
    end if;
    return 1 - exp(log_front + ln(cf) - ln(b));
end;
$$;

-- The regularized incomplete beta function I_x(a, b).
create or replace function {{ s }}.regularized_incomplete_beta(
    x double precision, a double precision, b double precision
)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if x = 'NaN' or x < 0 or x > 1 or not (a > 0 and a < 'Infinity')
        or not (b > 0 and b < 'Infinity') then
        return null;
    end if;
    return {{ s }}.incomplete_beta_xy(x, 1 - x, a, b);
end;
$$;

-- P(a, x) by its series, for x < a + 1.
create or replace function {{ s }}.incomplete_gamma_series(a double precision, x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    log_front double precision := a * ln(x) - x - {{ s }}.ln_gamma(a);
    ap double precision := a;
    term double precision := 1 / a;
    total double precision := 1 / a;
    n integer := 0;
begin
    if log_front < -700 then
        return 0;
    end if;
    loop
        ap := ap + 1;
        term := term * x / ap;
        total := total + term;
        n := n + 1;
        exit when term < total * 1e-17 or n >= 100000;
    end loop;
    return exp(log_front + ln(total));
end;
$$;

-- Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1.
create or replace function {{ s }}.incomplete_gamma_cf(a double precision, x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    tiny constant double precision := 1e-30;
    log_front double precision := a * ln(x) - x - {{ s }}.ln_gamma(a);
    b double precision := x + 1 - a;
    c double precision := 1 / tiny;
    d double precision := 1 / (x + 1 - a);
    h double precision := 1 / (x + 1 - a);
    an double precision;
    del double precision;
    i integer := 1;
begin
    if log_front < -700 then
        return 0;
    end if;
    while i <= 100000 loop
        an := -i * (i - a);
        b := b + 2;
        d := an * d + b;
        if abs(d) < tiny then
            d := tiny;
        end if;
        c := b + an / c;
        if abs(c) < tiny then
            c := tiny;
        end if;
        d := 1 / d;
        del := d * c;
        h := h * del;
        exit when abs(del - 1) < 1e-15;
        i := i + 1;
    end loop;
    return exp(log_front + ln(h));
end;
$$;

-- The regularized lower incomplete gamma function P(a, x).
create or replace function {{ s }}.regularized_gamma_p(a double precision, x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if x = 'NaN' or not (a > 0 and a < 'Infinity') then
        return null;
    end if;
    if x <= 0 then
        return 0;
    end if;
    if x = 'Infinity' then
        return 1;
    end if;
    if x < a + 1 then
        return {{ s }}.incomplete_gamma_series(a, x);
    end if;
    return 1 - {{ s }}.incomplete_gamma_cf(a, x);
end;
$$;

-- The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x).
create or replace function {{ s }}.regularized_gamma_q(a double precision, x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if x = 'NaN' or not (a > 0 and a < 'Infinity') then
        return null;
    end if;
    if x <= 0 then
        return 1;
    end if;
    if x = 'Infinity' then
        return 0;
    end if;
    if x < a + 1 then
        return 1 - {{ s }}.incomplete_gamma_series(a, x);
    end if;
    return {{ s }}.incomplete_gamma_cf(a, x);
end;
$$;

-- Φ(x), the standard normal CDF: Φ(-|x|) = Q(1/2, x² / 2) / 2 (erfc), to ~1e-16.
create or replace function {{ s }}.normal_cdf(x double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if x = 'NaN' then
        return null;
    end if;
    if x < -38.5 then
        return 0;
    end if;
    if x > 38.5 then
        return 1;
    end if;
    if abs(x) < 1e-100 then
        return 0.5;
    end if;
    if x < 0 then
        return 0.5 * {{ s }}.regularized_gamma_q(0.5, x * x / 2);
    end if;
    return 1 - 0.5 * {{ s }}.regularized_gamma_q(0.5, x * x / 2);
end;
$$;

-- Φ⁻¹(p): Acklam's rational approximation (1e-9), polished by Halley steps on normal_cdf.
create or replace function {{ s }}.normal_quantile(p double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    q double precision;
    r double precision;
    x double precision;
    e double precision;
    u double precision;
begin
    if p = 'NaN' or p < 0 or p > 1 then
        return null;
    end if;
    if p = 0 then
        return '-Infinity';
    end if;
    if p = 1 then
        return 'Infinity';
    end if;
    if p = 0.5 then
        return 0;
    end if;
    if p > 0.5 then
        -- 1 - p is exact for p >= 1/2
        return -{{ s }}.normal_quantile(1 - p);
    end if;
    if p < 0.02425 then
        q := sqrt(-2 * ln(p));
        x := (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
            - 2.400758277161838e+00) * q - 2.549732539343734e+00) * q
            + 4.374664141464968e+00) * q + 2.938163982698783e+00)
            / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q
            + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1);
    else
        q := p - 0.5;
        r := q * q;
        x := (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r
            - 2.759285104469687e+02) * r + 1.383577518672690e+02) * r
            - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
            / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r
            - 1.556989798598866e+02) * r + 6.680131188771972e+01) * r
            - 1.328068155288572e+01) * r + 1);
    end if;
    for i in 1..3 loop
        exit when x < -37.5;
        e := {{ s }}.normal_cdf(x) - p;
        exit when e = 0;
        u := e * 2.5066282746310002 * exp(x * x / 2);
        x := x - u / (1 + x * u / 2);
    end loop;
    return x;
end;
$$;

-- ln of the Student t density.
create or replace function {{ s }}.student_t_log_pdf(t double precision, df double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    abs_t double precision := abs(t);
    log_ratio double precision;
    log_kernel double precision := 0;
begin
    if t = 'NaN' or not (df > 0 and df <= 1e100) then
        return null;
    end if;
    if abs_t = 'Infinity' then
        return '-Infinity';
    end if;
    if abs_t >= 1e-100 then
        log_ratio := ln(abs_t) - 0.5 * ln(df);
        if log_ratio > 230 then
            log_kernel := 2 * log_ratio;
        else
            log_kernel := {{ s }}.log1p((abs_t / sqrt(df)) * (abs_t / sqrt(df)));
        end if;
    end if;
    return -(df + 1) / 2 * log_kernel - 0.5 * ln(df) - {{ s }}.ln_beta(df / 2, 0.5);
end;
$$;

-- P(T > t) for t >= 0 and df > 0: I_x(df/2, 1/2) / 2 with x = df / (df + t²).
create or replace function {{ s }}.student_t_upper_tail(t double precision, df double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    log_ratio double precision;
    log_tail double precision;
    r2 double precision;
begin
    if t < 1e-100 then
        return 0.5;
    end if;
    if t = 'Infinity' then
        return 0;
    end if;
    if df > 1e15 or (df > 1e6 and t < 10) then
        -- the normal with its 1/df term (Fisher's expansion; the next term is below 1e-13 here),
        -- as the continued fraction loses digits to the rounding of x = 1 - t²/df + ...
        if df > 1e15 then
            return {{ s }}.normal_cdf(-t);
        end if;
        return {{ s }}.normal_cdf(-t)
            + exp(-t * t / 2) / 2.5066282746310002 * (t * t + 1) * t / (4 * df);
    end if;
    log_ratio := ln(t) - 0.5 * ln(df);
    if log_ratio > 230 then
        -- t / √df > 1e100: x^(df/2) / (df B(df/2, 1/2)), the continued fraction being 1
        log_tail := -df * log_ratio - {{ s }}.ln_beta(df / 2, 0.5) - ln(df);
        if log_tail < -700 then
            return 0;
        end if;
        return exp(log_tail);
    end if;
    r2 := (t / sqrt(df)) * (t / sqrt(df));
    return 0.5 * {{ s }}.incomplete_beta_xy(1 / (1 + r2), r2 / (1 + r2), df / 2, 0.5);
end;
$$;

-- The Student t CDF; df may be fractional (df > 1e15 is the normal).
create or replace function {{ s }}.student_t_cdf(t double precision, df double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if t = 'NaN' or df = 'NaN' or df <= 0 then
        return null;
    end if;
    if df > 1e15 then
        return {{ s }}.normal_cdf(t);
    end if;
    if t < 0 then
        return {{ s }}.student_t_upper_tail(-t, df);
    end if;
    return 1 - {{ s }}.student_t_upper_tail(t, df);
end;
$$;

-- The Student t quantile: Newton steps on the upper tail from a Cornish-Fisher start,
-- kept inside the bracket of the root (bisection when a step leaves it).
create or replace function {{ s }}.student_t_quantile(p double precision, df double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
declare
    q double precision;
    z double precision;
    t double precision;
    t_tail double precision;
    t_next double precision;
    lo double precision := 0;
    hi double precision := 'Infinity';
    f double precision;
    log_density double precision;
begin
    if p = 'NaN' or p < 0 or p > 1 or df = 'NaN' or df <= 0 then
        return null;
    end if;
    if df > 1e15 then
        return {{ s }}.normal_quantile(p);
    end if;
    if p = 0 then
        return '-Infinity';
    end if;
    if p = 1 then
        return 'Infinity';
    end if;
    if p = 0.5 then
        return 0;
    end if;
    -- solve P(T > t) = q for t > 0; 1 - p is exact for p >= 1/2
    q := least(p, 1 - p);
    if df = 1 then
        t := 1 / tan(pi() * q);
    elsif df = 2 then
        t := (1 - 2 * q) / sqrt(2 * q * (1 - q));
    else
        z := -{{ s }}.normal_quantile(q);
        t := z
            + (z * z * z + z) / (4 * df)
            + ((5 * z * z + 16) * z * z + 3) * z / (96 * df * df)
            + (((3 * z * z + 19) * z * z + 17) * z * z - 15) * z / (384 * df * df * df)
            + ((((79 * z * z + 776) * z * z + 1482) * z * z - 1920) * z * z - 945) * z
            / (92160 * df * df * df * df);
        -- the power-law tail, an upper bound of the root, for small df
        t_tail := exp(least(
            0.5 * ln(df) - (ln(q) + ln(df) + {{ s }}.ln_beta(df / 2, 0.5)) / df, 700
        ));
        if not (t > 0 and t < t_tail) then
            t := t_tail;
        end if;
    end if;
    for i in 1..1000 loop
        f := {{ s }}.student_t_upper_tail(t, df) - q;
        exit when f = 0;
        if f > 0 then
            lo := t;
        else
            hi := t;
        end if;
        log_density := {{ s }}.student_t_log_pdf(t, df);
        t_next := null;
        if log_density > -700 and ln(abs(f)) - log_density < 700 then
            t_next := t + f / exp(log_density);
        end if;
        if t_next is null or not (t_next > lo and t_next < hi) then
            if hi = 'Infinity' and t > 1e300 then
                -- beyond the range of double precision
                t := 'Infinity';
                exit;
            elsif hi = 'Infinity' then
                t_next := 2 * t;
            else
                t_next := lo + (hi - lo) / 2;
            end if;
        end if;
        if abs(t_next - t) <= 1e-15 * t_next then
            t := t_next;
            exit;
        end if;
        t := t_next;
    end loop;
    if p < 0.5 then
        return -t;
    end if;
    return t;
end;
$$;

-- The chi-square survival function P(X > x) = Q(df/2, x/2).
create or replace function {{ s }}.chi_square_sf(x double precision, df double precision)
returns double precision
language plpgsql immutable strict parallel safe
as $$
begin
    if x = 'NaN' or not (df > 0 and df < 'Infinity') then
        return null;
    end if;
    if x <= 0 then
        return 1;
    end if;
    return {{ s }}.regularized_gamma_q(df / 2, x / 2);
end;
$$;
{%- endmacro %}

{# A double precision value of a SQL expression (integer counts must not divide as integers). #}
{% macro stat_double(expr) -%}
    {{ return(adapter.dispatch('stat_double', 'pulse')(expr)) }}
{%- endmacro %}

{% macro default__stat_double(expr) -%}
    cast(({{ expr }}) as double)
{%- endmacro %}

{% macro postgres__stat_double(expr) -%}
    cast(({{ expr }}) as double precision)
{%- endmacro %}

{# P(T <= t) for Student's t with df degrees of freedom (df may be fractional). #}
{% macro student_t_cdf(t, df) -%}
    {{ return(adapter.dispatch('student_t_cdf', 'pulse')(t, df)) }}
{%- endmacro %}

{% macro default__student_t_cdf(t, df) -%}
    {{ exceptions.raise_compiler_error("student_t_cdf is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__student_t_cdf(t, df) -%}
    {{ statistics_udf_schema() }}.student_t_cdf({{ stat_double(t) }}, {{ stat_double(df) }})
{%- endmacro %}

{# The t with P(T <= t) = p. #}
{% macro student_t_quantile(p, df) -%}
    {{ return(adapter.dispatch('student_t_quantile', 'pulse')(p, df)) }}
{%- endmacro %}

{% macro default__student_t_quantile(p, df) -%}
    {{ exceptions.raise_compiler_error(
        "student_t_quantile is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__student_t_quantile(p, df) -%}
    {{ statistics_udf_schema() }}.student_t_quantile({{ stat_double(p) }}, {{ stat_double(df) }})
{%- endmacro %}

{# Φ(x), the standard normal CDF. #}
{% macro normal_cdf(x) -%}
    {{ return(adapter.dispatch('normal_cdf', 'pulse')(x)) }}
{%- endmacro %}

{% macro default__normal_cdf(x) -%}
    {{ exceptions.raise_compiler_error("normal_cdf is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__normal_cdf(x) -%}
    {{ statistics_udf_schema() }}.normal_cdf({{ stat_double(x) }})
{%- endmacro %}

{# The x with Φ(x) = p. #}
{% macro normal_quantile(p) -%}
    {{ return(adapter.dispatch('normal_quantile', 'pulse')(p)) }}
{%- endmacro %}

{% macro default__normal_quantile(p) -%}
    {{ exceptions.raise_compiler_error("normal_quantile is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__normal_quantile(p) -%}
    {{ statistics_udf_schema() }}.normal_quantile({{ stat_double(p) }})
{%- endmacro %}

{# P(X > x) for the chi-square distribution with df degrees of freedom. #}
{% macro chi_square_sf(x, df) -%}
    {{ return(adapter.dispatch('chi_square_sf', 'pulse')(x, df)) }}
{%- endmacro %}

{% macro default__chi_square_sf(x, df) -%}
    {{ exceptions.raise_compiler_error("chi_square_sf is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__chi_square_sf(x, df) -%}
    {{ statistics_udf_schema() }}.chi_square_sf({{ stat_double(x) }}, {{ stat_double(df) }})
{%- endmacro %}

{#
    Welch's t-test of the difference of means B - A, from each group's mean, sample
    variance (var_samp) and size: as scipy.stats.ttest_ind(b, a, equal_var=False).

    The degenerate edge follows scipy's limits: with no variance in either group (the
    standard error is 0) different means are a certain difference — t is ±Infinity, the
    p-value 0 and both CI bounds the difference itself — and equal means leave the test
    undefined (t and p null, CI [0, 0]). The Welch–Satterthwaite df is 0/0 there: null
    (scipy reports 1 by convention). A group with fewer than two rows has no variance
    (var_samp is null): everything is null, as in scipy.
#}
{% macro _welch_standard_error(var_a, n_a, var_b, n_b) -%}
    sqrt({{ stat_double(var_a) }} / {{ stat_double(n_a) }}
        + {{ stat_double(var_b) }} / {{ stat_double(n_b) }})
{%- endmacro %}

{% macro welch_t_statistic(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    {{ return(adapter.dispatch('welch_t_statistic', 'pulse')(
        mean_a, var_a, n_a, mean_b, var_b, n_b)) }}
{%- endmacro %}

{% macro default__welch_t_statistic(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    {%- set diff = '(' ~ stat_double(mean_b) ~ ' - ' ~ stat_double(mean_a) ~ ')' -%}
    (case
        when {{ pulse._welch_standard_error(var_a, n_a, var_b, n_b) }} = 0 then
            case
                when {{ diff }} > 0 then {{ stat_double("'Infinity'") }}
                when {{ diff }} < 0 then {{ stat_double("'-Infinity'") }}
            end
        else {{ diff }} / {{ pulse._welch_standard_error(var_a, n_a, var_b, n_b) }}
    end)
{%- endmacro %}

{# The Welch-Satterthwaite degrees of freedom. #}
{% macro welch_df(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    {{ return(adapter.dispatch('welch_df', 'pulse')(mean_a, var_a, n_a, mean_b, var_b, n_b)) }}
{%- endmacro %}

{% macro default__welch_df(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    {%- set va = stat_double(var_a) ~ ' / ' ~ stat_double(n_a) -%}
    {%- set vb = stat_double(var_b) ~ ' / ' ~ stat_double(n_b) -%}
    (({{ va }} + {{ vb }}) * ({{ va }} + {{ vb }})
        / nullif(
            ({{ va }}) * ({{ va }}) / nullif({{ stat_double(n_a) }} - 1, 0)
            + ({{ vb }}) * ({{ vb }}) / nullif({{ stat_double(n_b) }} - 1, 0),
            0
        ))
{%- endmacro %}

{# Two-sided p-value of Welch's t-test. #}
{% macro welch_p_value(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    {{ return(adapter.dispatch('welch_p_value', 'pulse')(
        mean_a, var_a, n_a, mean_b, var_b, n_b)) }}
{%- endmacro %}

{% macro default__welch_p_value(mean_a, var_a, n_a, mean_b, var_b, n_b) -%}
    (case
        when {{ pulse._welch_standard_error(var_a, n_a, var_b, n_b) }} = 0 then
            case when {{ stat_double(mean_b) }} != {{ stat_double(mean_a) }} then 0 end
        else 2 * {{ pulse.student_t_cdf(
            '-abs(' ~ pulse.welch_t_statistic(mean_a, var_a, n_a, mean_b, var_b, n_b) ~ ')',
            pulse.welch_df(mean_a, var_a, n_a, mean_b, var_b, n_b)) }}
    end)
{%- endmacro %}

{# A bound ('low' or 'high') of the confidence interval of B - A, Student t quantile. #}
{% macro welch_ci(mean_a, var_a, n_a, mean_b, var_b, n_b, bound='low', confidence=0.95) -%}
    {{ return(adapter.dispatch('welch_ci', 'pulse')(
        mean_a, var_a, n_a, mean_b, var_b, n_b, bound, confidence)) }}
{%- endmacro %}

{% macro default__welch_ci(mean_a, var_a, n_a, mean_b, var_b, n_b, bound, confidence) -%}
    {%- set sign = pulse._ci_sign(bound) -%}
    {%- set quantile = pulse.student_t_quantile(
        pulse._ci_probability(confidence),
        pulse.welch_df(mean_a, var_a, n_a, mean_b, var_b, n_b)) -%}
    {%- set diff = '(' ~ stat_double(mean_b) ~ ' - ' ~ stat_double(mean_a) ~ ')' -%}
    (case
        when {{ pulse._welch_standard_error(var_a, n_a, var_b, n_b) }} = 0 then {{ diff }}
        else {{ diff }} {{ sign }} {{ quantile }}
            * {{ pulse._welch_standard_error(var_a, n_a, var_b, n_b) }}
    end)
{%- endmacro %}

{% macro _ci_sign(bound) -%}
    {%- if bound == 'low' -%}
        -
    {%- elif bound == 'high' -%}
        +
    {%- else -%}
        {{ exceptions.raise_compiler_error("bound must be 'low' or 'high', got " ~ bound) }}
    {%- endif -%}
{%- endmacro %}

{# The upper quantile's probability, 1 - (1 - confidence) / 2, as an exact decimal. #}
{% macro _ci_probability(confidence) -%}
    {%- if not (confidence is number and 0 < confidence < 1) -%}
        {{ exceptions.raise_compiler_error("confidence must be in (0, 1), got " ~ confidence) }}
    {%- endif -%}
    (1 - (1 - {{ confidence }}) / 2.0)
{%- endmacro %}

{#
    The pooled two-proportion z-test of pb - pa from successes and sizes: z² equals the
    chi-square of the 2x2 table without continuity correction.
#}
{% macro two_proportion_z(successes_a, n_a, successes_b, n_b) -%}
    {{ return(adapter.dispatch('two_proportion_z', 'pulse')(
        successes_a, n_a, successes_b, n_b)) }}
{%- endmacro %}

{% macro default__two_proportion_z(successes_a, n_a, successes_b, n_b) -%}
    {%- set xa = stat_double(successes_a) -%}
    {%- set xb = stat_double(successes_b) -%}
    {%- set na = stat_double(n_a) -%}
    {%- set nb = stat_double(n_b) -%}
    {%- set pooled = '(' ~ xa ~ ' + ' ~ xb ~ ') / nullif(' ~ na ~ ' + ' ~ nb ~ ', 0)' -%}
    (({{ xb }} / nullif({{ nb }}, 0) - {{ xa }} / nullif({{ na }}, 0))
        / nullif(sqrt(
            {{ pooled }} * (1 - {{ pooled }})
            * (1 / nullif({{ na }}, 0) + 1 / nullif({{ nb }}, 0))
        ), 0))
{%- endmacro %}

{# Two-sided p-value of the pooled two-proportion z-test. #}
{% macro two_proportion_p_value(successes_a, n_a, successes_b, n_b) -%}
    {{ return(adapter.dispatch('two_proportion_p_value', 'pulse')(
        successes_a, n_a, successes_b, n_b)) }}
{%- endmacro %}

{% macro default__two_proportion_p_value(successes_a, n_a, successes_b, n_b) -%}
    (2 * {{ pulse.normal_cdf(
        '-abs(' ~ pulse.two_proportion_z(successes_a, n_a, successes_b, n_b) ~ ')') }})
{%- endmacro %}

{# A bound ('low' or 'high') of the unpooled Wald confidence interval of pb - pa. #}
{% macro two_proportion_ci(successes_a, n_a, successes_b, n_b, bound='low', confidence=0.95) -%}
    {{ return(adapter.dispatch('two_proportion_ci', 'pulse')(
        successes_a, n_a, successes_b, n_b, bound, confidence)) }}
{%- endmacro %}

{% macro default__two_proportion_ci(successes_a, n_a, successes_b, n_b, bound, confidence) -%}
    {%- set sign = pulse._ci_sign(bound) -%}
    {%- set pa = stat_double(successes_a) ~ ' / nullif(' ~ stat_double(n_a) ~ ', 0)' -%}
    {%- set pb = stat_double(successes_b) ~ ' / nullif(' ~ stat_double(n_b) ~ ', 0)' -%}
    {%- if confidence == 0.95 -%}
        {%- set quantile = '1.959963984540054' -%}
    {%- else -%}
        {%- set quantile = pulse.normal_quantile(pulse._ci_probability(confidence)) -%}
    {%- endif -%}
    ({{ pb }} - {{ pa }}
        {{ sign }} {{ quantile }} * sqrt(
            {{ pa }} * (1 - {{ pa }}) / nullif({{ stat_double(n_a) }}, 0)
            + {{ pb }} * (1 - {{ pb }}) / nullif({{ stat_double(n_b) }}, 0)
        ))
{%- endmacro %}

{#
    The sample-ratio-mismatch chi-square (df = 1) of the group sizes against the expected
    share of B: as scipy.stats.chisquare([n_a, n_b], [n (1 - share), n share]).
#}
{% macro sample_ratio_chi_square(n_a, n_b, expected_share_b) -%}
    {{ return(adapter.dispatch('sample_ratio_chi_square', 'pulse')(
        n_a, n_b, expected_share_b)) }}
{%- endmacro %}

{% macro default__sample_ratio_chi_square(n_a, n_b, expected_share_b) -%}
    {%- set na = stat_double(n_a) -%}
    {%- set nb = stat_double(n_b) -%}
    {%- set share = stat_double(expected_share_b) -%}
    {%- set expected_a = '(' ~ na ~ ' + ' ~ nb ~ ') * (1 - ' ~ share ~ ')' -%}
    {%- set expected_b = '(' ~ na ~ ' + ' ~ nb ~ ') * ' ~ share -%}
    (({{ na }} - {{ expected_a }}) * ({{ na }} - {{ expected_a }}) / nullif({{ expected_a }}, 0)
        + ({{ nb }} - {{ expected_b }}) * ({{ nb }} - {{ expected_b }})
        / nullif({{ expected_b }}, 0))
{%- endmacro %}

{# Its p-value: the chi-square survival function with one degree of freedom. #}
{% macro sample_ratio_p_value(n_a, n_b, expected_share_b) -%}
    {{ return(adapter.dispatch('sample_ratio_p_value', 'pulse')(
        n_a, n_b, expected_share_b)) }}
{%- endmacro %}

{% macro default__sample_ratio_p_value(n_a, n_b, expected_share_b) -%}
    {{ pulse.chi_square_sf(pulse.sample_ratio_chi_square(n_a, n_b, expected_share_b), 1) }}
{%- endmacro %}
