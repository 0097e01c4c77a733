-- For each user and role, the gap in days from each finished session to the previous one
-- (fractional when times carry hours; two sessions at the same time = 0). The first
-- session of a user has a null gap.
with

user_sessions as (
    select * from {{ ref('int_user_sessions_unioned') }}
),

finished as (
    select
        role,
        user_id,
        session_id,
        session_at
    from user_sessions
    where is_finished
),

measured as (
    select
        role,
        user_id,
        session_id,
        session_at,
        {{ pulse.days_between(
            'lag(session_at) over (partition by role, user_id order by session_at, session_id)',
            'session_at'
        ) }} as days_since_previous
    from finished
)

select * from measured
