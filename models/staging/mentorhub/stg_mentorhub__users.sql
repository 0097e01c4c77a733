-- Users that pass every row-level rule (see base_mentorhub__users).
with

checked as (
    select * from {{ ref('base_mentorhub__users') }}
),

final as (
    select
        user_id,
        registered_on,
        role,
        region_id
    from checked
    where rejection_reason is null
)

select * from final
