-- Course purchases that pass every rule (see base_elearning__course_purchases).
with

checked as (
    select * from {{ ref('base_elearning__course_purchases') }}
),

final as (
    select
        student_id,
        bought_at,
        amount,
        subject
    from checked
    where rejection_reason is null
)

select * from final
