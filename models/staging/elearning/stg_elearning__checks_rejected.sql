-- Payment rows that break a rule, with the reason.
{{ pulse.split_rejected(ref('base_elearning__checks'), [
    'user_id',
    'amount',
], rejected=true) }}
