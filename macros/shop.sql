{#
    Helpers of the shop domain's incremental models.

    Every incremental shop model reprocesses a window of recent days on each run: from the
    latest day it already holds minus `shop_lookback_days` (var, default 3), so late rows of
    those days are counted. The window's first day is looked up when the model runs and
    written into its SQL as a date literal: the planner then knows how few rows it selects
    and uses the indexes (the raw table's BRIN on "timestamp", the btree on the day column
    of the intermediate tables) instead of scanning the history.
#}

{#
    The first day to reprocess, 'YYYY-MM-DD': the latest `day_column` of the model's own
    table minus `shop_lookback_days`, or earlier when a late load is new to the table (see
    shop_late_load_day; `loads` is the model's ref('stg_shop__loads')). None when the
    model is built from scratch (first run, --full-refresh, an empty table, when dbt only
    parses or compiles, and in unit tests, which have no `this`).
#}
{% macro shop_reprocess_from(day_column, loads) -%}
    {%- if pulse.shop_lints_incremental() -%}
        {{ return(pulse.shop_lint_day()) }}
    {%- endif -%}
    {%- if not execute or this is none or not is_incremental() or pulse.shop_rebuilds_whole() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set from_day = pulse.shop_lookback_start(this, day_column) -%}
    {%- if from_day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(pulse.shop_earlier_day(
        from_day, pulse.shop_late_load_day(this, day_column, from_day, loads))) }}
{%- endmacro %}

{#
    Late loads. Every incremental shop table writes into `loaded_through` the time of the
    latest load in the loader's ledger (the source `shop.loads`, read through
    stg_shop__loads) when it is built: a scalar subquery over the ledger, so that the value
    comes from the same snapshot as the raw rows the statement reads.
#}
{% macro shop_loaded_through(loads) -%}
    (select max(loaded_at) from {{ loads }})
{%- endmacro %}

{#
    The day of the earliest row loaded after `relation` last took the loads in, 'YYYY-MM-DD'
    (none when no load is new to it). Its last run wrote every row from `from_day` on, so
    their `loaded_through` says when that was; a load recorded after it is new, and should
    it hold rows older than the lookback (a late file), the table reprocesses from the day
    of its earliest row (the ledger's `first_event_at`). A table from before
    `loaded_through` existed takes in every load once.
#}
{% macro shop_late_load_day(relation, day_column, from_day, loads) -%}
    {%- set seen -%}
        {%- if pulse.shop_has_column(relation, 'loaded_through') -%}
            (select max(loaded_through) from {{ relation }}
             where {{ day_column }} >= cast('{{ from_day }}' as date))
        {%- else -%}
            cast(null as {{ pulse.shop_timestamptz_type() }})
        {%- endif -%}
    {%- endset -%}
    {%- set first_day = pulse.shop_as_date(pulse.shop_query_value(
        'select cast(min(first_event_at) as date) from ' ~ loads
        ~ ' where loaded_at > coalesce(' ~ seen ~ ', ' ~ pulse.shop_minus_infinity() ~ ')')) -%}
    {{ return(none if first_day is none else first_day.isoformat()) }}
{%- endmacro %}

{#
    Linting. CI lints the models against an empty database, where is_incremental() is
    false: with the var `shop_lint_incremental` set (the second sqlfluff pass of `make
    lint` and test_style.py, config .sqlfluff-incremental) every window macro returns a
    fixed day instead, so that the incremental branches are rendered and linted too. Never
    set in a build.
#}
{% macro shop_lints_incremental() -%}
    {{ return(var('shop_lint_incremental', false) | string | lower == 'true') }}
{%- endmacro %}

{% macro shop_lint_day() -%}
    {{ return('2000-01-03') }}
{%- endmacro %}

{# Whether a relation has a column of that name. #}
{% macro shop_has_column(relation, column_name) -%}
    {{ return(adapter.get_columns_in_relation(relation)
        | selectattr('name', 'equalto', column_name) | list | length > 0) }}
{%- endmacro %}

{# The earlier of two days 'YYYY-MM-DD', either of which may be none. #}
{% macro shop_earlier_day(day, other_day) -%}
    {{ return([day, other_day] | reject('none') | min if (day or other_day) else none) }}
{%- endmacro %}

{#
    The latest `day_column` of `relation` minus `shop_lookback_days` (var, default 3), as
    'YYYY-MM-DD': the days every incremental run rewrites (none for an empty relation).
    Also the window of the key tests of the large tables (tests/generic/primary_key.sql).
#}
{% macro shop_lookback_start(relation, day_column) -%}
    {%- set latest_day = pulse.shop_as_date(
        pulse.shop_query_value('select max(' ~ day_column ~ ') from ' ~ relation)) -%}
    {%- if latest_day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lookback = modules.datetime.timedelta(days=var('shop_lookback_days', 3) | int) -%}
    {{ return((latest_day - lookback).isoformat()) }}
{%- endmacro %}

{#
    The first day to reprocess for a model that depends on sessions as a whole (sessions,
    orders, items, and the counts of sessions by their start day): the first start day
    among the sessions of `events` (the model's ref('int_shop_events_sequenced')) with an
    event on or after `shop_reprocess_from(day_column, loads)`. A session that began
    before the window and goes on into it is recomputed whole. None when the model is
    built from scratch.
#}
{% macro shop_session_reprocess_from(day_column, events, loads) -%}
    {%- set from_day = pulse.shop_reprocess_from(day_column, loads) -%}
    {%- if from_day is none or pulse.shop_lints_incremental() -%}
        {{ return(from_day) }}
    {%- endif -%}
    {%- set first_day = pulse.shop_as_date(pulse.shop_query_value(
        'select min(session_day) from ' ~ events
        ~ " where event_day >= cast('" ~ from_day ~ "' as date)")) -%}
    {%- if first_day is none or first_day.isoformat() > from_day -%}
        {{ return(from_day) }}
    {%- endif -%}
    {{ return(first_day.isoformat()) }}
{%- endmacro %}

{#
    The first day ('YYYY-MM-DD') of the ISO week, month or year containing the day
    'YYYY-MM-DD': computed in Jinja, so the SQL gets a plain date literal.
#}
{% macro shop_period_start_of(datepart, iso_day) -%}
    {%- set day = modules.datetime.date.fromisoformat(iso_day) -%}
    {%- if datepart == 'week' -%}
        {{ return((day - modules.datetime.timedelta(days=day.weekday())).isoformat()) }}
    {%- elif datepart == 'month' -%}
        {{ return(day.replace(day=1).isoformat()) }}
    {%- elif datepart == 'year' -%}
        {{ return(day.replace(month=1, day=1).isoformat()) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("shop_period_start_of: unknown datepart " ~ datepart) }}
{%- endmacro %}

{# The single value of a one-row, one-column query (run when the model runs). #}
{% macro shop_query_value(sql) -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}

{#
    The first day of the day, ISO week (Monday), month or year of a date expression, as a
    date. Engine-specific: dispatched.
#}
{% macro shop_period_start(datepart, date_expr) -%}
    {{ return(adapter.dispatch('shop_period_start', 'pulse')(datepart, date_expr)) }}
{%- endmacro %}

{% macro default__shop_period_start(datepart, date_expr) -%}
    {{ exceptions.raise_compiler_error("shop_period_start is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__shop_period_start(datepart, date_expr) -%}
    cast(date_trunc('{{ datepart }}', cast({{ date_expr }} as timestamp)) as date)
{%- endmacro %}

{#
    Post-hook (outside the transaction) of the raw log's staging view and of the large
    incremental tables: VACUUM ANALYZE a relation that has no planner statistics yet, i.e.
    right after it was loaded or rebuilt from scratch. Without statistics the next run's
    date-literal filters are planned blindly, as full scans (BRIN costing needs the
    column's correlation); and the vacuum sets the visibility map now instead of letting
    an autovacuum pass over millions of rows land in the middle of a later run. A relation
    with statistics (every incremental run) is left alone: the hook renders to nothing.
#}
{% macro shop_vacuum_analyze_if_new(relation=none) -%}
    {{ return(adapter.dispatch('shop_vacuum_analyze_if_new', 'pulse')(relation or this)) }}
{%- endmacro %}

{% macro default__shop_vacuum_analyze_if_new(relation) -%}
{%- endmacro %}

{% macro postgres__shop_vacuum_analyze_if_new(relation) -%}
    {%- if execute and not pulse.shop_query_value(
        "select count(*) > 0 from pg_catalog.pg_stats where schemaname = '"
        ~ relation.schema ~ "' and tablename = '" ~ relation.identifier ~ "'") -%}
        vacuum (analyze) {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# Whole weeks from one week start (a date) to a later one, an integer. #}
{% macro shop_weeks_between(earlier_week, later_week) -%}
    {{ return(adapter.dispatch('shop_weeks_between', 'pulse')(earlier_week, later_week)) }}
{%- endmacro %}

{% macro default__shop_weeks_between(earlier_week, later_week) -%}
    ({{ dbt.datediff(earlier_week, later_week, 'day') }}) / 7
{%- endmacro %}

{% macro postgres__shop_weeks_between(earlier_week, later_week) -%}
    (({{ later_week }} - {{ earlier_week }}) / 7)
{%- endmacro %}

{#
    The first day the rejected-rows table reprocesses: the window the event log (`events`,
    the model's ref('int_shop_events_sequenced')) reprocessed in the same build, which the
    event log keeps in `reprocessed_from` on every row it writes; its latest day is in
    every window, so the rows of that day tell. The window covers every row of the loads
    new to the event log (the rows within the lookback and those of late loads), and so
    every rejected row among them. None when the rejected rows or the event log were built
    from scratch, or the event log is empty.
#}
{% macro shop_rejected_reprocess_from(events) -%}
    {%- if pulse.shop_lints_incremental() -%}
        {{ return(pulse.shop_lint_day()) }}
    {%- endif -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set from_day = pulse.shop_as_date(pulse.shop_query_value(
        'select max(reprocessed_from) from ' ~ events
        ~ ' where event_day = (select max(event_day) from ' ~ events ~ ')')) -%}
    {{ return(none if from_day is none else from_day.isoformat()) }}
{%- endmacro %}

{#
    Within a group of copies (an aggregate context): whether they differ in `column`,
    a null against a value included.
#}
{% macro shop_copies_differ(column) -%}
    (min({{ column }}) is distinct from max({{ column }})
        or count({{ column }}) not in (0, count(*)))
{%- endmacro %}

{#
    Engine differences of the shop's SQL, each dispatched: the default is PostgreSQL's,
    Spark's versions are in macros/spark.sql.
#}

{#
    The type of a computed measure (money, a count turned into a rate, a ratio):
    PostgreSQL's arbitrary-precision numeric. Spark's plain `numeric` is decimal(10,0)
    and its decimal division keeps as few as 6 digits: there a double (15-16 significant
    digits) is the closer match.
#}
{% macro shop_measure_type() -%}
    {{ return(adapter.dispatch('shop_measure_type', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_measure_type() -%}
    numeric
{%- endmacro %}

{# The type of a point in time with its offset: the ledger's loaded_at. #}
{% macro shop_timestamptz_type() -%}
    {{ return(adapter.dispatch('shop_timestamptz_type', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_timestamptz_type() -%}
    timestamp with time zone
{%- endmacro %}

{# The type of text in a cast. #}
{% macro shop_text_type() -%}
    {{ return(adapter.dispatch('shop_text_type', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_text_type() -%}
    text
{%- endmacro %}

{# A time before every load time (the lower bound of "loaded after"). #}
{% macro shop_minus_infinity() -%}
    {{ return(adapter.dispatch('shop_minus_infinity', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_minus_infinity() -%}
    cast('-infinity' as timestamp with time zone)
{%- endmacro %}

{#
    The incremental strategy of the shop's incremental tables and the column each is
    partitioned by. PostgreSQL deletes the rows of the reprocessed keys and inserts them
    again (delete+insert, no partitions); Spark without extra jars (no Delta or Iceberg)
    overwrites the partitions the reprocessed rows fall in (insert_overwrite on parquet
    tables partitioned by the day column, which is the same key).
#}
{% macro shop_incremental_strategy() -%}
    {{ return(adapter.dispatch('shop_incremental_strategy', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro shop_partition_by(column) -%}
    {{ return(adapter.dispatch('shop_partition_by', 'pulse')(column)) }}
{%- endmacro %}

{% macro default__shop_partition_by(column) -%}
    {{ return(none) }}
{%- endmacro %}

{#
    Whether the model being run rebuilds from scratch on every run although it is
    incremental: on Spark an incremental table without partitions (one row per user) is
    overwritten whole, so it is computed whole. Never on PostgreSQL.
#}
{% macro shop_rebuilds_whole() -%}
    {{ return(adapter.dispatch('shop_rebuilds_whole', 'pulse')()) }}
{%- endmacro %}

{% macro default__shop_rebuilds_whole() -%}
    {{ return(false) }}
{%- endmacro %}

{#
    A day as the engine's driver returns it (a date on PostgreSQL, possibly text through
    Spark's Thrift server) as a date; none stays none.
#}
{% macro shop_as_date(value) -%}
    {%- if value is none or value is not string -%}
        {{ return(value) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(value[:10])) }}
{%- endmacro %}

{#
    Post-hook of the event log: a partial index on the few events whose copies conflict,
    so that int_shop_event_conflicts (and its warning test, on every build) reads those
    rows instead of scanning the whole log each night (0.9 s at 10M rows, growing with
    history). Made once per table: skipped when the table has it already; a full refresh
    makes a new table, which gets its own. Nothing on engines without indexes.
#}
{% macro shop_index_conflicting_events() -%}
    {{ return(adapter.dispatch('shop_index_conflicting_events', 'pulse')(this)) }}
{%- endmacro %}

{% macro default__shop_index_conflicting_events(relation) -%}
{%- endmacro %}

{% macro postgres__shop_index_conflicting_events(relation) -%}
    {%- if execute and pulse.shop_query_value(
        "select count(*) = 0 from pg_catalog.pg_indexes where schemaname = '"
        ~ relation.schema ~ "' and tablename = '" ~ relation.identifier
        ~ "' and indexdef like '%WHERE (conflicting_columns IS NOT NULL)'") -%}
        create index on {{ relation }} (event_day) where conflicting_columns is not null
    {%- endif -%}
{%- endmacro %}
