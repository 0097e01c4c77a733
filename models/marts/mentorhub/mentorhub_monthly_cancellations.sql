-- Q6 (per domain): booked and canceled sessions and the cancel rate, every month ×
-- every domain, with the month-over-month change of the rate.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

domains as (
    select * from {{ ref('stg_mentorhub__domains') }}
),

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

monthly_counts as (
    select
        session_month as month,
        domain_id,
        count(*) as booked_sessions,
        sum(case when is_canceled then 1 else 0 end) as canceled_sessions
    from sessions
    group by session_month, domain_id
),

filled as (
    select
        months.month,
        domains.domain_id,
        domains.domain_name,
        coalesce(monthly_counts.booked_sessions, 0) as booked_sessions,
        coalesce(monthly_counts.canceled_sessions, 0) as canceled_sessions
    from months
    cross join domains
    left join monthly_counts
        on
            months.month = monthly_counts.month
            and domains.domain_id = monthly_counts.domain_id
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
        domain_id,
        domain_name,
        booked_sessions,
        canceled_sessions,
        cancel_rate,
        cancel_rate
        - lag(cancel_rate) over (partition by domain_id order by month)
            as cancel_rate_mom_delta
    from rated
)

select * from final
