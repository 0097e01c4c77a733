-- Daily sales KPIs by segment (seeds 001 and 004). Events and purchases are counted as
-- occurrences; leads and new paying users as users. Every day × both segments appears.
with

days as (
    select * from {{ ref('int_days_spined') }}
),

stream as (
    select * from {{ ref('int_user_events_sequenced') }}
),

segments as (
    select 'main' as segment
    union all
    select 'experiment' as segment
),

daily as (
    select
        day,
        segment,
        count(distinct case when step = 'lead_created' then user_id end) as leads,
        sum(
            case when step = 'intro_booked' and previous_flow = 'first_line' then 1 else 0 end
        ) as intro_booked_by_first_line,
        sum(
            case
                when step = 'purchase' and previous_flow in ('intro', 'demo') then 1 else 0
            end
        ) as purchases_without_second_line,
        sum(
            case when step = 'purchase' and previous_flow = 'second_line' then 1 else 0 end
        ) as purchases_with_second_line,
        sum(case when step = 'purchase' then 1 else 0 end) as purchases,
        sum(case when step = 'purchase' then amount_rub else 0 end) as revenue_rub,
        count(distinct case when purchase_number = 1 then user_id end) as new_paying_users
    from stream
    group by day, segment
),

final as (
    select
        days.day,
        segments.segment,
        coalesce(daily.leads, 0) as leads,
        coalesce(daily.intro_booked_by_first_line, 0) as intro_booked_by_first_line,
        coalesce(daily.purchases_without_second_line, 0) as purchases_without_second_line,
        coalesce(daily.purchases_with_second_line, 0) as purchases_with_second_line,
        coalesce(daily.purchases, 0) as purchases,
        coalesce(daily.revenue_rub, 0) as revenue_rub,
        coalesce(daily.new_paying_users, 0) as new_paying_users
    from days
    cross join segments
    left join daily
        on
            days.day = daily.day
            and segments.segment = daily.segment
)

select * from final
