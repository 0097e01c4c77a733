-- Domains that pass every rule (see base_mentorhub__domains).
{{ pulse.split_rejected(ref('base_mentorhub__domains'), [
    'domain_id',
    'domain_name',
]) }}
