-- One row per calendar month from the first to the last month of session data, with the
-- days of it the data covers. The data's last day is the max session date or `as_of_date`.
with

sessions as (
    select * from {{ ref('int_sessions_validated') }}
),

bounds as (
    select
        min(session_date) as data_first_day,
        {{ pulse.as_of_date_or('max(session_date)') }} as data_last_day
    from sessions
    having count(*) > 0
),

months as (
    {{ pulse.date_series(
        'month',
        '(select data_first_day from bounds)',
        '(select data_last_day from bounds)'
    ) }}
),

spined as (
    select
        months.month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month')) }} as date)
            as month_end,
        bounds.data_first_day,
        bounds.data_last_day
    from months
    cross join bounds
),

covered as (
    select
        month,
        month_end,
        data_first_day,
        data_last_day,
        greatest(month, data_first_day) as covered_from,
        least(month_end, data_last_day) as covered_to,
        month_end <= data_last_day as is_full_month
    from spined
),

final as (
    select
        month,
        month_end,
        data_first_day,
        data_last_day,
        covered_from,
        covered_to,
        {{ dbt.datediff('covered_from', 'covered_to', 'day') }}
        + 1 as covered_days,
        is_full_month,
        coalesce(
            month = max(case when is_full_month then month end) over (), false
        ) as is_last_full_month
    from covered
)

select * from final
