-- The funnel chart of the daily report: for each day of the data, the funnel of the latest
-- lead cohort on or before it whose window is complete, both segments together.
with

days as (
    select * from {{ ref('int_days_spined') }}
),

funnel as (
    select * from {{ ref('sales_funnel_daily') }}
),

cohort_steps as (
    select
        cohort_day,
        step_order,
        step,
        cast(sum(users) as bigint) as users
    from funnel
    group by cohort_day, step_order, step
),

complete_cohorts as (
    select distinct cohort_day
    from funnel
    where is_window_complete
),

report_cohorts as (
    select
        days.day,
        max(complete_cohorts.cohort_day) as cohort_day
    from days
    inner join complete_cohorts
        on days.day >= complete_cohorts.cohort_day
    group by days.day
),

final as (
    select
        report_cohorts.day,
        report_cohorts.cohort_day,
        cohort_steps.step_order,
        cohort_steps.step,
        cohort_steps.users,
        cast(cohort_steps.users as numeric)
        / nullif(first_value(cohort_steps.users) over cohort_funnel, 0) as conversion_from_start
    from report_cohorts
    inner join cohort_steps
        on report_cohorts.cohort_day = cohort_steps.cohort_day
    window cohort_funnel as (partition by report_cohorts.day order by cohort_steps.step_order)
)

select * from final
