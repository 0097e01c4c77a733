-- Exercise rows that break a rule, with the reason.
with

checked as (
    select * from {{ ref('base_elearning__peas') }}
),

final as (
    select
        student_id,
        solved_at,
        correct,
        subject,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
