-- Raw events rows that break a row-level rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_sales__events'), [
    'raw_user_id',
    'event_type_id',
    'happened_at',
], rejected=true) }}
