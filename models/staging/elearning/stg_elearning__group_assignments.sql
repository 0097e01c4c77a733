-- One A/B group per user: ids that pass every rule (see base_elearning__group_assignments).
with

checked as (
    select * from {{ ref('base_elearning__group_assignments') }}
),

final as (
    select
        user_id,
        grp,
        source_file
    from checked
    where rejection_reason is null
)

select * from final
