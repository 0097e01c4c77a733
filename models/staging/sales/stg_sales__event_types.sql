-- Event types that pass every rule (see base_sales__event_types).
{{ pulse.split_rejected(ref('base_sales__event_types'), [
    'event_type_id',
    'description',
]) }}
