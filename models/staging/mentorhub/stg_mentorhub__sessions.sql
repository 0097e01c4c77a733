-- Sessions that pass every row-level rule (see base_mentorhub__sessions).
{{ pulse.split_rejected(ref('base_mentorhub__sessions'), [
    'session_id',
    'session_at',
    'mentor_id',
    'mentee_id',
    'session_status',
    'domain_id',
]) }}
