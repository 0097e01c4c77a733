-- Processes started each day and whether they were closed within the SLA: every start
-- event counts; closed = an end step of the same user within `sales_process_sla_hours`;
-- pending = not closed and the SLA has not run out by the data's last timestamp.
{%- set sla_hours = var('sales_process_sla_hours', 24) | int %}
with

days as (
    select * from {{ ref('int_days_spined') }}
),

stream as (
    select * from {{ ref('int_user_events_sequenced') }}
),

processes as (
    select * from {{ ref('sales_processes') }}
),

segments as (
    select 'main' as segment
    union all
    select 'experiment' as segment
),

process_starts as (
    select distinct
        process,
        start_step
    from processes
),

starts as (
    select
        process_starts.process,
        stream.user_id,
        stream.segment,
        stream.day,
        stream.stream_position,
        stream.happened_at as started_at,
        {{ dbt.dateadd('hour', sla_hours, 'stream.happened_at') }} as sla_ends_at
    from stream
    inner join process_starts
        on stream.step = process_starts.start_step
),

closing_events as (
    select
        stream.user_id,
        stream.happened_at,
        processes.process
    from stream
    inner join processes
        on stream.step = processes.end_step
),

closed_starts as (
    select distinct
        starts.process,
        starts.user_id,
        starts.stream_position
    from starts
    inner join closing_events
        on
            starts.user_id = closing_events.user_id
            and starts.process = closing_events.process
            and starts.started_at <= closing_events.happened_at
            and starts.sla_ends_at >= closing_events.happened_at
),

classified as (
    select
        starts.process,
        starts.segment,
        starts.day,
        case
            when closed_starts.user_id is not null then 'closed'
            when starts.sla_ends_at > days.data_last_at then 'pending'
            else 'open'
        end as outcome
    from starts
    inner join days
        on starts.day = days.day
    left join closed_starts
        on
            starts.process = closed_starts.process
            and starts.user_id = closed_starts.user_id
            and starts.stream_position = closed_starts.stream_position
),

daily as (
    select
        day,
        process,
        segment,
        count(*) as started,
        sum(case when outcome = 'closed' then 1 else 0 end) as closed_within_sla,
        sum(case when outcome = 'open' then 1 else 0 end) as open_after_sla,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending
    from classified
    group by day, process, segment
),

filled as (
    select
        days.day,
        process_starts.process,
        segments.segment,
        coalesce(daily.started, 0) as started,
        coalesce(daily.closed_within_sla, 0) as closed_within_sla,
        coalesce(daily.open_after_sla, 0) as open_after_sla,
        coalesce(daily.pending, 0) as pending
    from days
    cross join process_starts
    cross join segments
    left join daily
        on
            days.day = daily.day
            and process_starts.process = daily.process
            and segments.segment = daily.segment
),

final as (
    select
        day,
        process,
        segment,
        started,
        closed_within_sla,
        open_after_sla,
        pending,
        case
            when started - pending > 0
                then cast(open_after_sla as numeric) / (started - pending)
        end as open_rate
    from filled
)

select * from final
