-- Weekly retention: for each cohort week (the ISO week of the users' first action) and
-- each of the weeks 0..12 after it that the data reaches, the cohort users with any
-- action in that week. Week 0 is the whole cohort.
{#- numeric on PostgreSQL, double on Spark (see shop_measure_type) #}
{%- set measure = pulse.shop_measure_type() %}
{%- set max_weeks = 12 %}
with

cohort_weeks as (
    select * from {{ ref('int_shop_cohort_weeks_summarized') }}
),

periods as (
    select * from {{ ref('int_shop_periods_summarized') }}
),

last_week as (
    select {{ pulse.shop_period_start('week', 'max(period_start)') }} as week_start
    from periods
    where period_grain = 'day'
),

cohorts as (
    select
        cohort_week,
        retained_users as cohort_users
    from cohort_weeks
    where weeks_since_first = 0
),

weeks_since_first as (
    {%- for week in range(max_weeks + 1) %}
    select {{ week }} as weeks_since_first
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- only the weeks that the data reaches
grid as (
    select
        cohorts.cohort_week,
        weeks_since_first.weeks_since_first,
        cohorts.cohort_users
    from cohorts
    cross join weeks_since_first
    cross join last_week
    where
        {{ dbt.dateadd('day', '7 * weeks_since_first.weeks_since_first', 'cohorts.cohort_week') }}
        <= last_week.week_start
),

final as (
    select
        grid.cohort_week,
        grid.weeks_since_first,
        grid.cohort_users,
        coalesce(cohort_weeks.retained_users, 0) as retained_users,
        cast(coalesce(cohort_weeks.retained_users, 0) as {{ measure }}) / grid.cohort_users
            as retention_rate
    from grid
    left join cohort_weeks
        on
            grid.cohort_week = cohort_weeks.cohort_week
            and grid.weeks_since_first = cohort_weeks.weeks_since_first
)

select * from final
