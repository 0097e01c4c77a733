{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('event_day'),
        unique_key='event_day',
        indexes=[
            {'columns': ['event_day']},
            {'columns': ['session_id', 'user_id']},
        ],
        post_hook=[
            "{{ pulse.shop_index_conflicting_events() }}",
            {
                'sql': "{{ pulse.shop_vacuum_analyze_if_new() }}",
                'transaction': false,
            },
        ],
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_reprocess_from('event_day', loads) %}
-- The deduplicated event log in session order: one pass over the raw rows of the
-- reprocessed days (all days on a full refresh). Within a session, events are ordered by
-- time, ties by the spec's action order; each carries the running counts that let the
-- session, funnel and order models work with plain aggregates and joins.
with

events as (
    select * from {{ ref('stg_shop__events') }}
),
{%- if reprocess_from %}

sequenced_before as (
    select * from {{ this }}
),
{%- endif %}

-- rows identical on (user, session, time, action, value) are copies of one action: they
-- count once. Copies that differ in another column keep the least value of each and say
-- which columns differ (int_shop_event_conflicts reports them).
deduplicated as (
    select
        session_id,
        user_id,
        event_at,
        action_order,
        value,
        min(action) as action,
        min(category) as category,
        min(age) as age,
        min(gender) as gender,
        min(city) as city,
        count(*) as raw_rows,
        nullif(concat_ws(
            ', ',
            case when {{ pulse.shop_copies_differ('category') }} then 'category' end,
            case when {{ pulse.shop_copies_differ('age') }} then 'age' end,
            case when {{ pulse.shop_copies_differ('gender') }} then 'gender' end,
            case when {{ pulse.shop_copies_differ('city') }} then 'city' end
        ), '') as conflicting_columns,
        false as is_context
    from events
    {%- if reprocess_from %}
    where event_at >= cast('{{ reprocess_from }}' as timestamp)
    {%- endif %}
    group by session_id, user_id, event_at, action_order, value
),
{%- if reprocess_from %}

-- the sessions of the reprocessed rows
window_sessions as (
    select distinct
        session_id,
        user_id
    from deduplicated
),

-- their events from before the reprocessed days, however long ago the session began
-- (found through the index on session_id, user_id): the context the reprocessed events
-- continue from (numbering, checkouts and products so far). Kept as they are: rows
-- before the window never change, since new rows of it can only come after them.
context_events as (
    select
        sequenced_before.session_id,
        sequenced_before.user_id,
        sequenced_before.event_at,
        sequenced_before.action_order,
        sequenced_before.value,
        sequenced_before.action,
        sequenced_before.category,
        sequenced_before.age,
        sequenced_before.gender,
        sequenced_before.city,
        sequenced_before.raw_rows,
        {#- a table built before the column existed gets it from this run (on_schema_change) #}
        {%- if pulse.shop_has_column(this, 'conflicting_columns') %}
        sequenced_before.conflicting_columns,
        {%- else %}
        cast(null as {{ pulse.shop_text_type() }}) as conflicting_columns,
        {%- endif %}
        true as is_context
    from sequenced_before
    inner join window_sessions
        on
            sequenced_before.session_id = window_sessions.session_id
            and sequenced_before.user_id = window_sessions.user_id
    where sequenced_before.event_day < cast('{{ reprocess_from }}' as date)
),
{%- endif %}

events_to_sequence as (
    select * from deduplicated
    {%- if reprocess_from %}
    union all
    select * from context_events
    {%- endif %}
),

-- (event_at, action_order, value) is unique within a session once copies are collapsed,
-- so the order is total; one window pass computes every running column. Sessions are
-- partitioned by (session_id, user_id): the same partitions as (user_id, session_id), but
-- sorting on the bigint first is markedly faster than on the text.
sequenced as (
    select
        *,
        row_number() over session_order as event_number,
        first_value(event_at) over session_order as session_started_at,
        count(case when action = 'checkout' then 1 end) over session_order as checkout_number,
        max(case when action = 'product' then 1 else 0 end)
            over session_order as is_after_product
    from events_to_sequence
    window session_order as (
        partition by session_id, user_id
        order by event_at, action_order, value
        rows between unbounded preceding and current row
    )
),

final as (
    select
        user_id,
        session_id,
        cast(session_started_at as date) as session_day,
        cast(event_number as integer) as event_number,
        event_at,
        cast(event_at as date) as event_day,
        action,
        cast(action_order as smallint) as action_order,
        value,
        category,
        age,
        gender,
        city,
        cast(checkout_number as integer) as checkout_number,
        cast(is_after_product as smallint) as is_after_product,
        cast(raw_rows as integer) as raw_rows,
        conflicting_columns,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through,
        {#- the window this run reprocessed: int_shop_events_rejected takes the same #}
        cast({{ "'" ~ reprocess_from ~ "'" if reprocess_from else 'null' }} as date)
            as reprocessed_from
    from sequenced
    where not is_context
)

select * from final
