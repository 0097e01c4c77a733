-- Event types that pass every rule (see base_sales__event_types).
with

checked as (
    select * from {{ ref('base_sales__event_types') }}
),

final as (
    select
        event_type_id,
        description
    from checked
    where rejection_reason is null
)

select * from final
