-- Events that pass every row-level rule (see base_sales__events).
with

checked as (
    select * from {{ ref('base_sales__events') }}
),

final as (
    select
        event_type_id,
        user_id,
        happened_at
    from checked
    where rejection_reason is null
)

select * from final
