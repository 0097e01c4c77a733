-- Payment rows that break a rule, with the reason.
with

checked as (
    select * from {{ ref('base_elearning__checks') }}
),

final as (
    select
        user_id,
        amount,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
