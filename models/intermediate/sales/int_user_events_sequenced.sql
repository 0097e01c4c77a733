{{ config(materialized='table') }}
-- The user stream: every event and non-gift payment (the step `purchase`) of a user in
-- time order; at equal times events come before payments, then by step order. Each row
-- knows the step and flow of the previous row and the user's segment.
with

events as (
    select * from {{ ref('int_events_cataloged') }}
),

payments as (
    select * from {{ ref('int_payments_converted') }}
),

unioned as (
    select
        user_id,
        happened_at,
        0 as source_rank,
        step,
        flow,
        step_order,
        cast(event_type_id as text) as tie_breaker,
        cast(null as numeric) as amount_rub
    from events

    union all

    select
        user_id,
        paid_at as happened_at,
        1 as source_rank,
        'purchase' as step,
        'purchase' as flow,
        100 as step_order,
        transaction_id as tie_breaker,
        amount_rub
    from payments
    where not is_gift
),

sequenced as (
    select
        user_id,
        happened_at,
        cast(happened_at as date) as day,
        step,
        flow,
        amount_rub,
        row_number() over user_stream as stream_position,
        lag(step) over user_stream as previous_step,
        lag(flow) over user_stream as previous_flow,
        max(case when flow in ('demo', 'whatsapp') then 1 else 0 end)
            over (partition by user_id) as is_in_experiment
    from unioned
    window user_stream as (
        partition by user_id
        order by happened_at, source_rank, step_order, tie_breaker
    )
),

counted as (
    select
        *,
        sum(case when step = 'purchase' then 1 else 0 end) over (
            partition by user_id
            order by stream_position
            rows between unbounded preceding and current row
        ) as purchases_so_far
    from sequenced
),

final as (
    select
        user_id,
        happened_at,
        day,
        step,
        flow,
        amount_rub,
        stream_position,
        previous_step,
        previous_flow,
        case when is_in_experiment = 1 then 'experiment' else 'main' end as segment,
        case when step = 'purchase' then purchases_so_far end as purchase_number
    from counted
)

select * from final
