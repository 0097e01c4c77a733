-- Raw telemetry rows that break a row-level rule, with the reason; nothing is dropped
-- silently.
{{ pulse.split_rejected(ref('base_shop__telemetry'), [
    'user_id',
    'session_id',
    'event_at',
    'action',
    'value',
    'category',
    'age',
    'gender',
    'city',
    'source_file',
    'loaded_at',
    'source_row_index',
], rejected=true) }}
