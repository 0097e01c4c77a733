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
        min(happened_at) as step_1_at,
        {{ dbt.dateadd('day', window_days, 'min(happened_at)') }} as window_ends_at
    from stream
    where step = 'lead_created'
    group by user_id, segment, day
),
{%- for step in steps[1:] %}
{%- set k = loop.index + 1 %}
{%- set carried = ['user_id', 'segment', 'cohort_day', 'window_ends_at'] %}
{%- for j in range(1, k) %}{% do carried.append('step_' ~ j ~ '_at') %}{% endfor %}

reached_{{ k }} as (
    select
        {%- for column in carried %}
        previous_step.{{ column }},
        {%- endfor %}
        min(stream.happened_at) as step_{{ k }}_at
    from {{ 'anchors' if k == 2 else 'reached_' ~ (k - 1) }} as previous_step
    left join stream
        on
            previous_step.user_id = stream.user_id
            and stream.step = '{{ step }}'
            and stream.happened_at >= previous_step.step_{{ k - 1 }}_at
            and stream.happened_at <= previous_step.window_ends_at
    group by
        {%- for column in carried %}
        previous_step.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
),
{%- endfor %}

cohort_counts as (
    select
        cohort_day,
        segment,
        {%- for step in steps %}
        count(step_{{ loop.index }}_at) as users_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from reached_{{ steps | length }}
    group by cohort_day, segment
),

unpivoted as (
    {%- for step in steps %}
    select
        cohort_day,
        segment,
        {{ loop.index }} as step_order,
        '{{ step }}' as step,
        users_{{ loop.index }} as users,
        {% if loop.first -%}
        users_1 as previous_users,
        {%- else -%}
        users_{{ loop.index - 1 }} as previous_users,
        {%- endif %}
        users_1 as start_users
    from cohort_counts
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

bounds as (
    select max(data_last_day) as data_last_day
    from days
),

final as (
    select
        unpivoted.cohort_day,
        unpivoted.segment,
        unpivoted.step_order,
        unpivoted.step,
        unpivoted.users,
        case
            when unpivoted.previous_users > 0
                then cast(unpivoted.users as numeric) / unpivoted.previous_users
        end as conversion_from_previous,
        cast(unpivoted.users as numeric) / unpivoted.start_users as conversion_from_start,
        cast(
            {{ dbt.dateadd('day', window_days, 'unpivoted.cohort_day') }} as date
        ) <= bounds.data_last_day as is_window_complete
    from unpivoted
    cross join bounds
)

select * from final
