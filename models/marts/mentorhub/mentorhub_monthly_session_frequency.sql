-- Q3 (platform): mean finished sessions per week of a mentor, month by month.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

mentor_months as (
    select * from {{ ref('mentorhub_mentor_monthly_sessions') }}
),

monthly as (
    select
        month,
        count(*) as active_mentors,
        avg(sessions_per_week) as avg_sessions_per_mentor_per_week
    from mentor_months
    group by month
),

filled as (
    select
        months.month,
        coalesce(monthly.active_mentors, 0) as active_mentors,
        monthly.avg_sessions_per_mentor_per_week
    from months
    left join monthly
        on months.month = monthly.month
),

with_previous as (
    select
        *,
        lag(avg_sessions_per_mentor_per_week) over (order by month) as previous_avg
    from filled
),

final as (
    select
        month,
        active_mentors,
        avg_sessions_per_mentor_per_week,
        avg_sessions_per_mentor_per_week - previous_avg
            as avg_sessions_per_mentor_per_week_mom_delta,
        case
            when previous_avg > 0
                then (avg_sessions_per_mentor_per_week - previous_avg) / previous_avg
        end as avg_sessions_per_mentor_per_week_mom_pct
    from with_previous
)

select * from final
