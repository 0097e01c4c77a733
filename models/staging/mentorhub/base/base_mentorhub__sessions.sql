-- Every raw session, renamed and cast, with the row-level rule it breaks (if any).
-- stg_mentorhub__sessions keeps the clean rows, stg_mentorhub__sessions_rejected the rest.
with

source as (
    select * from {{ source('mentorhub', 'sessions') }}
),

renamed as (
    select
        session_id,
        session_date_time as session_at,
        mentor_id,
        mentee_id,
        lower(btrim(session_status)) as session_status,
        mentor_domain_id as domain_id
    from source
),

numbered as (
    select
        *,
        row_number() over (
            partition by session_id
            order by session_at, mentor_id, mentee_id, session_status, domain_id
        ) as occurrence
    from renamed
),

checked as (
    select
        session_id,
        session_at,
        mentor_id,
        mentee_id,
        session_status,
        domain_id,
        case
            when session_id is null then 'session_id is null'
            when occurrence > 1 then 'duplicate session_id'
            when session_at is null then 'session_date_time is null'
            when mentor_id is null then 'mentor_id is null'
            when mentee_id is null then 'mentee_id is null'
            when mentor_id = mentee_id then 'mentor_id equals mentee_id'
            when session_status is null then 'session_status is null'
            when session_status not in ('finished', 'canceled')
                then 'session_status is not finished or canceled'
            when domain_id is null then 'mentor_domain_id is null'
        end as rejection_reason
    from numbered
)

select * from checked
