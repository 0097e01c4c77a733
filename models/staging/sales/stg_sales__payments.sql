-- Payments that pass every row-level rule (see base_sales__payments).
{{ pulse.split_rejected(ref('base_sales__payments'), [
    'user_id',
    'paid_at',
    'transaction_id',
    'amount',
    'currency',
    'is_gift',
]) }}
