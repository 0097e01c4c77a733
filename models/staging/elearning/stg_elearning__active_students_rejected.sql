-- Rows of the active list that break a rule (a null id, a repeated id), with the reason.
with

checked as (
    select * from {{ ref('base_elearning__active_students') }}
),

final as (
    select
        user_id,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
