-- How leads move (the original analysis's Sankey): each user's first seven stream events,
-- and every step from one to the next. Grain: step_position (of the from-event, 1..6) ×
-- from_event × to_event; users who made that step there, and the median hours it took.
{%- set first_events = 7 %}

with

stream as (
    select * from {{ ref('int_user_events_sequenced') }}
),

first_events as (
    select
        user_id,
        happened_at,
        stream_position,
        coalesce(step, 'unknown') as event
    from stream
    where stream_position <= {{ first_events }}
),

transitions as (
    select
        from_events.user_id,
        from_events.stream_position as step_position,
        from_events.event as from_event,
        to_events.event as to_event,
        {{ pulse.days_between('from_events.happened_at', 'to_events.happened_at') }} * 24
            as hours_between
    from first_events as from_events
    inner join first_events as to_events
        on
            from_events.user_id = to_events.user_id
            and to_events.stream_position = from_events.stream_position + 1
),

aggregated as (
    select
        step_position,
        from_event,
        to_event,
        count(*) as users,
        cast({{ pulse.median('hours_between') }} as numeric) as median_hours_between
    from transitions
    group by step_position, from_event, to_event
),

final as (
    select
        cast(step_position as integer) as step_position,
        from_event,
        to_event,
        cast(users as bigint) as users,
        median_hours_between
    from aggregated
)

select * from final
