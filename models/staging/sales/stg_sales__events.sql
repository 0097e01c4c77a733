-- Events that pass every row-level rule (see base_sales__events).
{{ pulse.split_rejected(ref('base_sales__events'), [
    'event_type_id',
    'user_id',
    'happened_at',
]) }}
