-- Payments during the experiment that pass every rule (see base_elearning__checks).
with

checked as (
    select * from {{ ref('base_elearning__checks') }}
),

final as (
    select
        user_id,
        amount
    from checked
    where rejection_reason is null
)

select * from final
