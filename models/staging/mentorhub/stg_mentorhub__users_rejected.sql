-- Raw users rows that break a row-level rule, with the reason; nothing is dropped silently.
with

checked as (
    select * from {{ ref('base_mentorhub__users') }}
),

final as (
    select * from checked
    where rejection_reason is not null
)

select * from final
