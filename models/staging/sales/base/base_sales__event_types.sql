-- Every raw event type (`events_dict`), renamed, with the rule it breaks (if any): an id
-- may be listed once; a repeated one is kept the first time (by description) and
-- rejected after.
with

source as (
    select * from {{ source('sales', 'events_dict') }}
),

numbered as (
    select
        id as event_type_id,
        btrim(_description) as description,
        row_number() over (partition by id order by btrim(_description)) as occurrence
    from source
),

checked as (
    select
        event_type_id,
        description,
        case
            when event_type_id is null then 'id is null'
            when occurrence > 1 then 'duplicate id'
        end as rejection_reason
    from numbered
)

select * from checked
