-- Every raw session that no mart counts, with the rule it broke: row-level rules from
-- staging and reference rules from int_sessions_checked.
with

staged_rejects as (
    select * from {{ ref('stg_mentorhub__sessions_rejected') }}
),

checked as (
    select * from {{ ref('int_sessions_checked') }}
),

unioned as (
    select
        session_id,
        session_at,
        mentor_id,
        mentee_id,
        session_status,
        domain_id,
        rejection_reason
    from staged_rejects

    union all

    select
        session_id,
        session_at,
        mentor_id,
        mentee_id,
        session_status,
        domain_id,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from unioned
