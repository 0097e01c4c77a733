-- The ordered funnel of each day's lead cohort: a user with a lead that day is anchored
-- at their first lead of the day; step k counts when its event comes at or after the
-- moment step k-1 was reached and within `sales_funnel_window_days` of the anchor.
{%- set window_days = var('sales_funnel_window_days', 14) | int %}
{%- set steps = [
    'lead_created', 'first_line_task', 'first_line_reached', 'intro_booked',
    'intro_teacher_joined', 'intro_succeeded', 'purchase',
] %}
with

days as (
    select * from {{ ref('int_days_spined') }}
),

stream as (
    select * from {{ ref('int_user_events_sequenced') }}
),

anchors as (
    select
        user_id,
        segment,
        day as cohort_day,
        min(happened_at) as anchored_at,
        {{ dbt.dateadd('day', window_days, 'min(happened_at)') }} as window_ends_at
    from stream
    where step = 'lead_created'
    group by user_id, segment, day
),

reached_1 as (
    select
        user_id,
        segment,
        cohort_day,
        window_ends_at,
        anchored_at as reached_at
    from anchors
),
{%- for step in steps[1:] %}
{%- set k = loop.index + 1 %}

-- step {{ k }}: the first {{ step }} at or after step {{ k - 1 }}, within the window
reached_{{ k }} as (
    select
        previous_step.user_id,
        previous_step.segment,
        previous_step.cohort_day,
        previous_step.window_ends_at,
        min(stream.happened_at) as reached_at
    from reached_{{ k - 1 }} as previous_step
    inner join stream
        on
            previous_step.user_id = stream.user_id
            and previous_step.reached_at <= stream.happened_at
            and previous_step.window_ends_at >= stream.happened_at
    where stream.step = '{{ step }}'
    group by
        previous_step.user_id,
        previous_step.segment,
        previous_step.cohort_day,
        previous_step.window_ends_at
),
{%- endfor %}

step_counts as (
    {%- for step in steps %}
    select
        cohort_day,
        segment,
        {{ loop.index }} as step_order,
        count(*) as users
    from reached_{{ loop.index }}
    group by cohort_day, segment
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

funnel_steps as (
    {%- for step in steps %}
    select
        {{ loop.index }} as step_order,
        '{{ step }}' as step
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cohorts as (
    select distinct
        cohort_day,
        segment
    from anchors
),

filled as (
    select
        cohorts.cohort_day,
        cohorts.segment,
        funnel_steps.step_order,
        funnel_steps.step,
        coalesce(step_counts.users, 0) as users
    from cohorts
    cross join funnel_steps
    left join step_counts
        on
            cohorts.cohort_day = step_counts.cohort_day
            and cohorts.segment = step_counts.segment
            and funnel_steps.step_order = step_counts.step_order
),

compared as (
    select
        *,
        lag(users) over cohort_steps as previous_users,
        first_value(users) over cohort_steps as start_users
    from filled
    window cohort_steps as (partition by cohort_day, segment order by step_order)
),

bounds as (
    select max(data_last_day) as data_last_day
    from days
),

final as (
    select
        compared.cohort_day,
        compared.segment,
        compared.step_order,
        compared.step,
        compared.users,
        case
            when compared.step_order = 1  -- 1 by definition: the step is its own start
                then cast(compared.users as numeric) / compared.start_users
            when compared.previous_users > 0
                then cast(compared.users as numeric) / compared.previous_users
        end as conversion_from_previous,
        cast(compared.users as numeric) / compared.start_users as conversion_from_start,
        cast(
            {{ dbt.dateadd('day', window_days, 'compared.cohort_day') }} as date
        ) <= bounds.data_last_day as is_window_complete
    from compared
    cross join bounds
)

select * from final
