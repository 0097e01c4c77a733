-- Q3 (per mentor): finished sessions per week in each month the mentor had one,
-- weeks counted over the days of the month that the data covers.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

user_sessions as (
    select * from {{ ref('int_user_sessions_unioned') }}
),

mentor_months as (
    select
        user_id as mentor_id,
        session_month as month,
        count(*) as finished_sessions
    from user_sessions
    where
        role = 'mentor'
        and is_finished
    group by user_id, session_month
),

final as (
    select
        mentor_months.mentor_id,
        mentor_months.month,
        mentor_months.finished_sessions,
        cast(mentor_months.finished_sessions as numeric) * 7 / months.covered_days
            as sessions_per_week
    from mentor_months
    inner join months
        on mentor_months.month = months.month
)

select * from final
