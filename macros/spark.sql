{#
    Apache Spark (dbt-spark, `spark` target, PULSE_ENGINE=spark): the `spark__` versions of
    the project's dispatched macros. Only the shop domain builds on Spark; the statistics
    functions (e-learning's A/B tests) and the BI role's grants stay on PostgreSQL.
#}

{% macro spark__date_series(datepart, start_date, end_date) -%}
    select explode(sequence(
        cast(date_trunc('{{ datepart }}', cast({{ start_date }} as timestamp)) as date),
        cast(date_trunc('{{ datepart }}', cast({{ end_date }} as timestamp)) as date),
        interval 1 {{ datepart }}
    )) as {{ datepart }}
{%- endmacro %}

{# weekday(): 0 = Monday ... 6 = Sunday #}
{% macro spark__iso_weekday(timestamp_expr) -%}
    cast(weekday({{ timestamp_expr }}) + 1 as integer)
{%- endmacro %}

{% macro spark__days_between(earlier_ts, later_ts) -%}
    ((unix_micros(cast({{ later_ts }} as timestamp))
      - unix_micros(cast({{ earlier_ts }} as timestamp))) / 86400000000.0)
{%- endmacro %}

{% macro spark__is_digits(text_expr) -%}
    ({{ text_expr }} rlike '^[0-9]{1,18}$')
{%- endmacro %}

{# Spark's date_trunc takes the same units and also starts weeks on Monday. #}
{% macro spark__shop_period_start(datepart, date_expr) -%}
    cast(date_trunc('{{ datepart }}', cast({{ date_expr }} as timestamp)) as date)
{%- endmacro %}

{% macro spark__shop_weeks_between(earlier_week, later_week) -%}
    (datediff({{ later_week }}, {{ earlier_week }}) div 7)
{%- endmacro %}

{% macro spark__shop_measure_type() -%}
    double
{%- endmacro %}

{# Spark's timestamp is an instant shown in the session time zone (UTC on our server). #}
{% macro spark__shop_timestamptz_type() -%}
    timestamp
{%- endmacro %}

{% macro spark__shop_text_type() -%}
    string
{%- endmacro %}

{% macro spark__shop_minus_infinity() -%}
    cast('0001-01-01 00:00:00' as timestamp)
{%- endmacro %}

{% macro spark__shop_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro spark__shop_partition_by(column) -%}
    {{ return(column) }}
{%- endmacro %}

{% macro spark__shop_rebuilds_whole() -%}
    {{ return(config.get('partition_by') is none) }}
{%- endmacro %}

{# The statistics functions serve e-learning, which stays on PostgreSQL. #}
{% macro spark__create_statistics_functions() -%}
{%- endmacro %}

{# Spark's Thrift server has no SQL authorization: the BI role lives on PostgreSQL. #}
{% macro spark__grant_schema_usage_to_readers() -%}
{%- endmacro %}

{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{# An exact median: Spark's percentile (not percentile_approx) interpolates like percentile_cont. #}
{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{#
    The distributions behind e-learning's A/B tests are PostgreSQL functions; e-learning
    does not build on Spark (its models are disabled there). These raise only when a
    query is really compiled, so that parsing the project on Spark works.
#}
{% macro spark__statistics_not_on_spark(name) -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error(name ~ " runs on PostgreSQL only (e-learning's A/B tests)") }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__student_t_cdf(t, df) -%}
    {{ pulse.spark__statistics_not_on_spark('student_t_cdf') }}
{%- endmacro %}

{% macro spark__student_t_quantile(p, df) -%}
    {{ pulse.spark__statistics_not_on_spark('student_t_quantile') }}
{%- endmacro %}

{% macro spark__normal_cdf(x) -%}
    {{ pulse.spark__statistics_not_on_spark('normal_cdf') }}
{%- endmacro %}

{% macro spark__normal_quantile(p) -%}
    {{ pulse.spark__statistics_not_on_spark('normal_quantile') }}
{%- endmacro %}

{% macro spark__chi_square_sf(x, df) -%}
    {{ pulse.spark__statistics_not_on_spark('chi_square_sf') }}
{%- endmacro %}
