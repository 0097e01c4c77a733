-- Sessions that pass every row-level rule (see base_mentorhub__sessions).
with

checked as (
    select * from {{ ref('base_mentorhub__sessions') }}
),

final as (
    select
        session_id,
        session_at,
        mentor_id,
        mentee_id,
        session_status,
        domain_id
    from checked
    where rejection_reason is null
)

select * from final
