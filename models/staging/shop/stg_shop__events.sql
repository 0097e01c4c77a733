-- Telemetry rows that pass every row-level rule (see base_shop__telemetry). Exact copies
-- are still here: int_shop_events_sequenced counts them once.
{{ pulse.split_rejected(ref('base_shop__telemetry'), [
    'user_id',
    'session_id',
    'event_at',
    'action',
    'action_order',
    'value',
    'category',
    'age',
    'gender',
    'city',
    'source_file',
    'loaded_at',
    'source_row_index',
]) }}
