-- Q7: finished sessions by ISO weekday for every domain over all history; the busiest
-- weekday(s) of each domain are flagged (ties all flagged; none in a domain without any).
with

domains as (
    select * from {{ ref('stg_mentorhub__domains') }}
),

weekdays as (
    select * from {{ ref('iso_weekdays') }}
),

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

weekday_counts as (
    select
        domain_id,
        iso_weekday,
        count(*) as finished_sessions
    from sessions
    where is_finished
    group by domain_id, iso_weekday
),

filled as (
    select
        domains.domain_id,
        domains.domain_name,
        weekdays.iso_weekday,
        weekdays.weekday_name,
        coalesce(weekday_counts.finished_sessions, 0) as finished_sessions
    from domains
    cross join weekdays
    left join weekday_counts
        on
            domains.domain_id = weekday_counts.domain_id
            and weekdays.iso_weekday = weekday_counts.iso_weekday
),

ranked as (
    select
        *,
        sum(finished_sessions) over (partition by domain_id) as domain_finished_sessions,
        dense_rank() over (
            partition by domain_id order by finished_sessions desc
        ) as rank
    from filled
),

final as (
    select
        domain_id,
        domain_name,
        iso_weekday,
        weekday_name,
        finished_sessions,
        case
            when domain_finished_sessions > 0
                then cast(finished_sessions as numeric) / domain_finished_sessions
        end as share_of_domain,
        rank,
        rank = 1 and finished_sessions > 0 as is_busiest
    from ranked
)

select * from final
