with

source as (
    select * from {{ source('sales', 'events_dict') }}
),

renamed as (
    select
        id as event_type_id,
        btrim(_description) as description
    from source
)

select * from renamed
