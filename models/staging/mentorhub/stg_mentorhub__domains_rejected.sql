-- Raw domain rows that break a rule, with the reason; nothing is dropped silently.
with

checked as (
    select * from {{ ref('base_mentorhub__domains') }}
),

final as (
    select
        domain_id,
        domain_name,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
