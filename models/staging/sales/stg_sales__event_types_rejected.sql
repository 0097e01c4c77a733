-- Raw event type rows that break a rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_sales__event_types'), [
    'event_type_id',
    'description',
], rejected=true) }}
