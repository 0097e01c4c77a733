-- Domains that pass every rule (see base_mentorhub__domains).
with

checked as (
    select * from {{ ref('base_mentorhub__domains') }}
),

final as (
    select
        domain_id,
        domain_name
    from checked
    where rejection_reason is null
)

select * from final
