-- Q8: how many new mentors 500 more active mentees need, if new mentors work like
-- today's. Inputs are columns so each number can be explained; the original author's
-- head-count method is kept beside it for comparison.
{%- set basis_months = var('forecast_basis_months', 3) | int %}
{%- set extra_mentees = var('forecast_extra_mentees', 500) | int %}
with

months as (
    select * from {{ ref('int_months_spined') }}
),

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

active_users as (
    select * from {{ ref('mentorhub_monthly_active_users') }}
),

horizon as (
    select max(case when is_last_full_month then month end) as last_full_month
    from months
    having count(*) > 0
),

basis as (
    select months.month
    from months
    cross join horizon
    where
        months.is_full_month
        and months.month <= horizon.last_full_month
        and months.month
        > cast({{ dbt.dateadd('month', -basis_months, 'horizon.last_full_month') }} as date)
),

basis_workload as (
    select
        sessions.session_month as month,
        count(*) as finished_sessions,
        count(distinct sessions.mentee_id) as active_mentees,
        count(distinct sessions.mentor_id) as active_mentors
    from sessions
    inner join basis
        on sessions.session_month = basis.month
    where sessions.is_finished
    group by sessions.session_month
),

workload as (
    select
        count(*) as basis_months_with_sessions,
        avg(cast(finished_sessions as numeric) / active_mentees) as sessions_per_active_mentee,
        avg(cast(finished_sessions as numeric) / active_mentors) as sessions_per_active_mentor
    from basis_workload
),

original_method as (
    select avg(cast(active_mentors as numeric) / active_mentees) as mentors_per_mentee_all_months
    from active_users
    where active_mentees > 0
),

final as (
    select
        cast({{ dbt.dateadd('month', 1, 'horizon.last_full_month') }} as date)
            as forecast_month,
        cast(
            {{ dbt.dateadd('month', 1 - basis_months, 'horizon.last_full_month') }} as date
        ) as basis_first_month,
        horizon.last_full_month as basis_last_month,
        workload.basis_months_with_sessions,
        workload.sessions_per_active_mentee,
        workload.sessions_per_active_mentor,
        {{ extra_mentees }} as extra_mentees,
        cast(
            ceil(
                {{ extra_mentees }} * workload.sessions_per_active_mentee
                / workload.sessions_per_active_mentor
            ) as integer
        ) as mentors_needed,
        original_method.mentors_per_mentee_all_months,
        cast(
            ceil({{ extra_mentees }} * original_method.mentors_per_mentee_all_months)
            as integer
        ) as mentors_needed_original_method
    from horizon
    cross join workload
    cross join original_method
)

select * from final
