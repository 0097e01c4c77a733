-- Q5 (per user): days between consecutive finished sessions of each mentor and mentee.
with

gaps as (
    select * from {{ ref('int_session_gaps_measured') }}
),

final as (
    select
        role,
        user_id,
        count(*) as finished_sessions,
        avg(days_since_previous) as avg_days_between,
        cast({{ pulse.median('days_since_previous') }} as numeric) as median_days_between
    from gaps
    group by role, user_id
)

select * from final
