-- The monthly session funnel: sessions that began in the month and reached each step in
-- order within the session (see int_shop_events_sequenced for "in order").
{#- numeric on PostgreSQL, double on Spark (see shop_measure_type) #}
{%- set measure = pulse.shop_measure_type() %}
{%- set steps = ['session', 'product', 'cart', 'checkout', 'confirmation'] %}
with

periods as (
    select * from {{ ref('int_shop_periods_summarized') }}
),

-- the months with sessions (a month is attributed the sessions that began in it)
months as (
    select *
    from periods
    where
        period_grain = 'month'
        and sessions > 0
),

funnel_steps as (
    {%- for step in steps %}
    select
        {{ loop.index0 }} as step_order,
        '{{ step }}' as step
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

step_sessions as (
    select
        months.period_start as month,
        funnel_steps.step_order,
        funnel_steps.step,
        case funnel_steps.step_order
            when 0 then months.sessions
            when 1 then months.product_sessions
            when 2 then months.cart_sessions
            when 3 then months.checkout_sessions
            when 4 then months.confirmation_sessions
        end as sessions
    from months
    cross join funnel_steps
),

compared as (
    select
        *,
        lag(sessions) over month_steps as previous_sessions,
        first_value(sessions) over month_steps as start_sessions
    from step_sessions
    window month_steps as (partition by month order by step_order)
),

final as (
    select
        month,
        step_order,
        step,
        sessions,
        case
            -- 1 by definition: the step is its own start
            when step_order = 0 then cast(sessions as {{ measure }}) / start_sessions
            else cast(sessions as {{ measure }}) / nullif(previous_sessions, 0)
        end as conversion_from_previous,
        cast(sessions as {{ measure }}) / start_sessions as conversion_from_start
    from compared
)

select * from final
