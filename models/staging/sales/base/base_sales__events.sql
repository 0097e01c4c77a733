-- Every raw event, renamed and cast, with the row-level rule it breaks (if any).
-- An exact copy of an earlier row is a load artefact: it counts once.
with

source as (
    select * from {{ source('sales', 'events') }}
),

renamed as (
    select
        event_id as event_type_id,
        btrim(_user_id) as raw_user_id,
        happened_at
    from source
),

numbered as (
    select
        *,
        row_number() over (
            partition by event_type_id, raw_user_id, happened_at
            order by happened_at
        ) as copy_number
    from renamed
),

checked as (
    select
        event_type_id,
        raw_user_id,
        case
            when {{ pulse.is_digits('raw_user_id') }} then cast(raw_user_id as bigint)
        end as user_id,
        happened_at,
        case
            when event_type_id is null then 'event_id is null'
            when raw_user_id is null then '_user_id is null'
            when not {{ pulse.is_digits('raw_user_id') }} then '_user_id is not a number'
            when happened_at is null then 'happened_at is null'
            when copy_number > 1 then 'exact duplicate row'
        end as rejection_reason
    from numbered
)

select * from checked
