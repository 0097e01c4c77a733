-- Payments during the experiment that pass every rule (see base_elearning__checks).
{{ pulse.split_rejected(ref('base_elearning__checks'), [
    'user_id',
    'amount',
]) }}
