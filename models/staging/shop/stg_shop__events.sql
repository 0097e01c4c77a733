-- Telemetry rows that pass every row-level rule (see base_shop__telemetry). Exact copies
-- are still here: int_shop_events_sequenced counts them once.
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
        action_order,
        value,
        category,
        age,
        gender,
        city,
        source_file,
        loaded_at,
        source_row_index
    from checked
    where rejection_reason is null
)

select * from final
