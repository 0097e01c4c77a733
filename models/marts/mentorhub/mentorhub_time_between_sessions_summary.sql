-- Q5 (per role): the typical time between sessions of a mentor and of a mentee.
with

gaps as (
    select * from {{ ref('int_session_gaps_measured') }}
),

per_user as (
    select * from {{ ref('mentorhub_time_between_sessions') }}
),

user_summary as (
    select
        role,
        count(avg_days_between) as users_with_gaps,
        avg(avg_days_between) as mean_avg_days_between,
        cast({{ pulse.median('avg_days_between') }} as numeric) as median_avg_days_between
    from per_user
    group by role
),

pooled as (
    select
        role,
        avg(days_since_previous) as pooled_mean_days_between
    from gaps
    group by role
),

final as (
    select
        user_summary.role,
        user_summary.users_with_gaps,
        user_summary.mean_avg_days_between,
        user_summary.median_avg_days_between,
        pooled.pooled_mean_days_between
    from user_summary
    inner join pooled
        on user_summary.role = pooled.role
)

select * from final
