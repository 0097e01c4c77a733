-- Student rows that break a rule, with the reason.
with

checked as (
    select * from {{ ref('base_elearning__students') }}
),

final as (
    select
        student_id,
        test_grp,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
