-- Q6 (platform): booked and canceled sessions and the cancel rate, every month.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

monthly_counts as (
    select
        session_month as month,
        count(*) as booked_sessions,
        sum(case when is_canceled then 1 else 0 end) as canceled_sessions
    from sessions
    group by session_month
),

filled as (
    select
        months.month,
        coalesce(monthly_counts.booked_sessions, 0) as booked_sessions,
        coalesce(monthly_counts.canceled_sessions, 0) as canceled_sessions
    from months
    left join monthly_counts
        on months.month = monthly_counts.month
),

rated as (
    select
        *,
        case
            when booked_sessions > 0
                then cast(canceled_sessions as numeric) / booked_sessions
        end as cancel_rate
    from filled
),

final as (
    select
        month,
        booked_sessions,
        canceled_sessions,
        cancel_rate,
        cancel_rate - lag(cancel_rate) over (order by month) as cancel_rate_mom_delta
    from rated
)

select * from final
