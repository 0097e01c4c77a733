-- Copies of one action (identical on user, session, time, action and value) that differ
-- in another column: counted once like every copy, with the least value of each column
-- kept, and reported here with the reason instead of merged silently.
with

events as (
    select * from {{ ref('int_shop_events_sequenced') }}
),

final as (
    select
        user_id,
        session_id,
        event_at,
        event_day,
        action,
        value,
        category,
        age,
        gender,
        city,
        raw_rows,
        'copies differ in ' || conflicting_columns as conflict_reason
    from events
    where conflicting_columns is not null
)

select * from final
