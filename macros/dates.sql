{#
    Engine-specific date logic. Each macro dispatches, so another adapter (Spark) only
    needs its own `<adapter>__<macro>` implementation.
#}

{#
    One row per period from the period of start_date to that of end_date, in a date
    column named after the period: `date_series('month', a, b)` gives `month`.
#}
{% macro date_series(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('date_series', 'pulse')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_series(datepart, start_date, end_date) -%}
    {{ exceptions.raise_compiler_error("date_series is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__date_series(datepart, start_date, end_date) -%}
    select cast(period_start as date) as {{ datepart }}
    from generate_series(
        date_trunc('{{ datepart }}', cast({{ start_date }} as timestamp)),
        date_trunc('{{ datepart }}', cast({{ end_date }} as timestamp)),
        interval '1 {{ datepart }}'
    ) as periods (period_start)
{%- endmacro %}

{# ISO day of the week: 1 = Monday ... 7 = Sunday. #}
{% macro iso_weekday(timestamp_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'pulse')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__iso_weekday(timestamp_expr) -%}
    {{ exceptions.raise_compiler_error("iso_weekday is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__iso_weekday(timestamp_expr) -%}
    cast(extract(isodow from {{ timestamp_expr }}) as integer)
{%- endmacro %}

{# Fractional days from earlier_ts to later_ts (2.5 = two and a half days), numeric. #}
{% macro days_between(earlier_ts, later_ts) -%}
    {{ return(adapter.dispatch('days_between', 'pulse')(earlier_ts, later_ts)) }}
{%- endmacro %}

{% macro default__days_between(earlier_ts, later_ts) -%}
    {{ exceptions.raise_compiler_error("days_between is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__days_between(earlier_ts, later_ts) -%}
    (extract(epoch from ({{ later_ts }} - {{ earlier_ts }})) / 86400)
{%- endmacro %}

{# The data's last day: the `as_of_date` var when set, else the given max event date. #}
{% macro as_of_date_or(max_date_expr) -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        {{ max_date_expr }}
    {%- endif -%}
{%- endmacro %}
