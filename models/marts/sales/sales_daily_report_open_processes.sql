-- Processes open past their SLA in the daily report: for each day and process, both
-- segments over the 7 days ending on that day. sales_open_processes_daily has every day
-- × process, so the 6 rows before are the 6 days before.
with

open_processes as (
    select * from {{ ref('sales_open_processes_daily') }}
),

both_segments as (
    select
        day,
        process,
        sum(started) as started,
        sum(closed_within_sla) as closed_within_sla,
        sum(open_after_sla) as open_after_sla,
        sum(pending) as pending
    from open_processes
    group by day, process
),

seven_days as (
    select
        day,
        process,
        cast(sum(started) over last_seven_days as bigint) as started,
        cast(sum(closed_within_sla) over last_seven_days as bigint) as closed_within_sla,
        cast(sum(open_after_sla) over last_seven_days as bigint) as open_after_sla,
        cast(sum(pending) over last_seven_days as bigint) as pending
    from both_segments
    window last_seven_days as (
        partition by process
        order by day
        rows between 6 preceding and current row
    )
),

final as (
    select
        day,
        process,
        started,
        closed_within_sla,
        open_after_sla,
        pending,
        case
            when started - pending > 0
                then cast(open_after_sla as numeric) / (started - pending)
        end as open_rate,
        cast(
            sum(open_after_sla) over (partition by day) as bigint
        ) as open_after_sla_all_processes
    from seven_days
)

select * from final
