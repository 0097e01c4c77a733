-- Users that pass every row-level rule (see base_mentorhub__users).
{{ pulse.split_rejected(ref('base_mentorhub__users'), [
    'user_id',
    'registered_on',
    'role',
    'region_id',
]) }}
