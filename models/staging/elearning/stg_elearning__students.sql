-- Students that pass every rule (see base_elearning__students).
with

checked as (
    select * from {{ ref('base_elearning__students') }}
),

final as (
    select
        student_id,
        test_grp
    from checked
    where rejection_reason is null
)

select * from final
