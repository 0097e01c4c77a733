-- Solved exercises that pass every rule (see base_elearning__peas).
with

checked as (
    select * from {{ ref('base_elearning__peas') }}
),

final as (
    select
        student_id,
        solved_at,
        correct = 1 as is_correct,
        subject
    from checked
    where rejection_reason is null
)

select * from final
