-- Raw events rows that break a row-level rule, with the reason; nothing is dropped silently.
with

checked as (
    select * from {{ ref('base_sales__events') }}
),

final as (
    select
        raw_user_id,
        event_type_id,
        happened_at,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
