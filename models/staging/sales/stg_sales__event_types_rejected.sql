-- Raw event type rows that break a rule, with the reason; nothing is dropped silently.
with

checked as (
    select * from {{ ref('base_sales__event_types') }}
),

final as (
    select
        event_type_id,
        description,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
