-- The user dimension: one row per registered user with their session history
-- (in whichever role they appear in sessions).
with

users as (
    select * from {{ ref('stg_mentorhub__users') }}
),

regions as (
    select * from {{ ref('stg_mentorhub__regions') }}
),

user_sessions as (
    select * from {{ ref('int_user_sessions_unioned') }}
),

session_history as (
    select
        user_id,
        min(session_date) as first_session_date,
        max(session_date) as last_session_date,
        count(*) as booked_sessions,
        sum(case when is_finished then 1 else 0 end) as finished_sessions,
        sum(case when is_canceled then 1 else 0 end) as canceled_sessions
    from user_sessions
    group by user_id
),

final as (
    select
        users.user_id,
        users.role,
        regions.region_name,
        users.registered_on as reg_date,
        session_history.first_session_date,
        session_history.last_session_date,
        coalesce(session_history.booked_sessions, 0) as booked_sessions,
        coalesce(session_history.finished_sessions, 0) as finished_sessions,
        coalesce(session_history.canceled_sessions, 0) as canceled_sessions,
        session_history.user_id is not null as has_booked
    from users
    left join regions
        on users.region_id = regions.region_id
    left join session_history
        on users.user_id = session_history.user_id
)

select * from final
