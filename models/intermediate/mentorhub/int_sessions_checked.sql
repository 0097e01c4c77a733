-- Clean staged sessions checked against the users and domains they refer to.
-- Sessions whose ids point nowhere (or at a user of the wrong role) get a reason here;
-- int_sessions_validated keeps the rest, int_sessions_rejected gathers every rejected row.
with

sessions as (
    select * from {{ ref('stg_mentorhub__sessions') }}
),

users as (
    select * from {{ ref('stg_mentorhub__users') }}
),

domains as (
    select * from {{ ref('stg_mentorhub__domains') }}
),

checked as (
    select
        sessions.session_id,
        sessions.session_at,
        sessions.mentor_id,
        sessions.mentee_id,
        sessions.session_status,
        sessions.domain_id,
        domains.domain_name,
        case
            when mentors.user_id is null then 'mentor_id is not a known user'
            when mentors.role != 'mentor' then 'mentor_id is not a mentor'
            when mentees.user_id is null then 'mentee_id is not a known user'
            when mentees.role != 'mentee' then 'mentee_id is not a mentee'
            when domains.domain_id is null then 'mentor_domain_id is not a known domain'
        end as rejection_reason
    from sessions
    left join users as mentors
        on sessions.mentor_id = mentors.user_id
    left join users as mentees
        on sessions.mentee_id = mentees.user_id
    left join domains
        on sessions.domain_id = domains.domain_id
)

select * from checked
