{{
    config(
        post_hook=[{
            'sql': "{{ pulse.shop_vacuum_analyze_if_new(source('shop', 'telemetry')) }}",
            'transaction': false,
        }],
    )
}}
-- Every raw telemetry row, renamed, with the row-level rule it breaks (if any). Text is
-- trimmed and a blank field read as null (the loader has typed the rest); an action or a
-- gender is compared as written, so a mis-cased one is rejected. No window and no dedupe
-- here: the incremental events model filters this view on event_at, and the filter
-- reaches the raw table's BRIN index on "timestamp" only through plain projections.
-- Exact copies are collapsed in int_shop_events_sequenced.
with

source as (
    select * from {{ source('shop', 'telemetry') }}
),

renamed as (
    select
        nullif(btrim(userid), '') as user_id,
        sessionid as session_id,
        timestamp as event_at,
        nullif(btrim(action), '') as action,
        value,
        nullif(btrim(category), '') as category,
        age,
        nullif(btrim(gender), '') as gender,
        nullif(btrim(city), '') as city,
        _source_file as source_file,
        _loaded_at as loaded_at,
        _row_index as source_row_index
    from source
),

ordered as (
    select
        *,
        -- the spec's action order: it breaks ties between actions with one timestamp
        case action
            when 'mainpage' then 0
            when 'category' then 1
            when 'search' then 2
            when 'product' then 3
            when 'cart' then 4
            when 'checkout' then 5
            when 'confirmation' then 6
        end as action_order
    from renamed
),

checked as (
    select
        user_id,
        session_id,
        event_at,
        action,
        action_order,
        value,
        category,
        age,
        gender,
        city,
        source_file,
        loaded_at,
        source_row_index,
        case
            when user_id is null then 'userid is null'
            when session_id is null then 'sessionid is null'
            when event_at is null then 'timestamp is null'
            when action_order is null then 'unknown action'
            when value is null then 'value is null'
            when value < 0 then 'value is negative'
            when gender is null or gender not in ('Ж', 'М') then 'gender is not Ж or М'
        end as rejection_reason
    from ordered
)

select * from checked
