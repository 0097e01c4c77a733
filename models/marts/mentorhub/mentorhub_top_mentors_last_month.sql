-- Q4: the mentors with the most booked sessions in the last full month; dense rank,
-- so every mentor tied within the top 5 ranks is listed.
with

months as (
    select * from {{ ref('int_months_spined') }}
),

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

last_full_month_sessions as (
    select sessions.*
    from sessions
    inner join months
        on sessions.session_month = months.month
    where months.is_last_full_month
),

mentor_totals as (
    select
        session_month as month,
        mentor_id,
        count(*) as booked_sessions,
        sum(case when is_finished then 1 else 0 end) as finished_sessions
    from last_full_month_sessions
    group by session_month, mentor_id
),

mentor_domains as (
    select
        mentor_id,
        domain_name,
        row_number() over (
            partition by mentor_id
            order by count(*) desc, domain_id asc
        ) as domain_order
    from last_full_month_sessions
    group by mentor_id, domain_id, domain_name
),

ranked as (
    select
        mentor_totals.month,
        mentor_totals.mentor_id,
        mentor_domains.domain_name,
        mentor_totals.booked_sessions,
        mentor_totals.finished_sessions,
        dense_rank() over (order by mentor_totals.booked_sessions desc) as rank
    from mentor_totals
    inner join mentor_domains
        on
            mentor_totals.mentor_id = mentor_domains.mentor_id
            and mentor_domains.domain_order = 1
),

final as (
    select
        month,
        mentor_id,
        domain_name,
        booked_sessions,
        finished_sessions,
        rank
    from ranked
    where rank <= 5
)

select * from final
