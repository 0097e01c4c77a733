-- Raw telemetry rows that break a row-level rule, with the reason; nothing is dropped
-- silently.
with

checked as (
    select * from {{ ref('base_shop__telemetry') }}
),

final as (
    select
        user_id,
        session_id,
        event_at,
        action,
        value,
        category,
        age,
        gender,
        city,
        source_file,
        loaded_at,
        source_row_index,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
