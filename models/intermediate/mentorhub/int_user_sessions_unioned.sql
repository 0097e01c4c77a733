-- The user stream: every valid session once for its mentor and once for its mentee,
-- so per-user questions (activity, gaps, first/last session) read one relation.
with

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

unioned as (
    select
        'mentor' as role,
        mentor_id as user_id,
        session_id,
        session_at,
        session_date,
        session_month,
        is_finished,
        is_canceled,
        domain_id
    from sessions

    union all

    select
        'mentee' as role,
        mentee_id as user_id,
        session_id,
        session_at,
        session_date,
        session_month,
        is_finished,
        is_canceled,
        domain_id
    from sessions
)

select * from unioned
