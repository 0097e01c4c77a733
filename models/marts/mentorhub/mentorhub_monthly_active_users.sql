-- Q1: how many mentors and mentees are active each month, and how that changes.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

user_sessions as (
    select * from {{ ref('int_user_sessions_unioned') }}
),

monthly_counts as (
    select
        session_month as month,
        count(distinct case when role = 'mentor' then user_id end) as active_mentors,
        count(distinct case when role = 'mentee' then user_id end) as active_mentees
    from user_sessions
    group by session_month
),

filled as (
    select
        months.month,
        months.is_full_month,
        coalesce(monthly_counts.active_mentors, 0) as active_mentors,
        coalesce(monthly_counts.active_mentees, 0) as active_mentees
    from months
    left join monthly_counts
        on months.month = monthly_counts.month
),

with_previous as (
    select
        *,
        lag(active_mentors) over (order by month) as previous_mentors,
        lag(active_mentees) over (order by month) as previous_mentees
    from filled
),

final as (
    select
        month,
        active_mentors,
        active_mentees,
        active_mentors - previous_mentors as active_mentors_mom_delta,
        case
            when previous_mentors > 0
                then cast(active_mentors - previous_mentors as numeric) / previous_mentors
        end as active_mentors_mom_pct,
        active_mentees - previous_mentees as active_mentees_mom_delta,
        case
            when previous_mentees > 0
                then cast(active_mentees - previous_mentees as numeric) / previous_mentees
        end as active_mentees_mom_pct,
        is_full_month
    from with_previous
)

select * from final
