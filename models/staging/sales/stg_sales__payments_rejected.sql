-- Raw payments rows that break a row-level rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_sales__payments'), [
    'raw_user_id',
    'paid_at',
    'transaction_id',
    'amount',
    'currency',
    'is_gift',
], rejected=true) }}
