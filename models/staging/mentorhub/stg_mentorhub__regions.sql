-- Regions that pass every rule (see base_mentorhub__regions).
with

checked as (
    select * from {{ ref('base_mentorhub__regions') }}
),

final as (
    select
        region_id,
        region_name
    from checked
    where rejection_reason is null
)

select * from final
