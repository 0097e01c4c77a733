-- Group rows no mart uses, with the reason (conflicting ids among them).
with

checked as (
    select * from {{ ref('base_elearning__group_assignments') }}
),

final as (
    select
        user_id,
        grp,
        source_file,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
