-- Q2: registered mentors and mentees who never booked a session, in either role.
with

users as (
    select * from {{ ref('mentorhub_users') }}
),

counted as (
    select
        role,
        count(*) as registered_users,
        sum(case when has_booked then 0 else 1 end) as users_without_sessions
    from users
    group by role
),

final as (
    select
        role,
        registered_users,
        users_without_sessions,
        cast(users_without_sessions as numeric) / registered_users as share
    from counted
)

select * from final
