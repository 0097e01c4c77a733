-- Course purchase rows that break a rule, with the reason.
with

checked as (
    select * from {{ ref('base_elearning__course_purchases') }}
),

final as (
    select
        student_id,
        bought_at,
        amount,
        subject,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
