-- Users active during the experiment, once each (see base_elearning__active_students).
with

checked as (
    select * from {{ ref('base_elearning__active_students') }}
),

final as (
    select user_id
    from checked
    where rejection_reason is null
)

select * from final
