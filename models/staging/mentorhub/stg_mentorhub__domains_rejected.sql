-- Raw domain rows that break a rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_mentorhub__domains'), [
    'domain_id',
    'domain_name',
], rejected=true) }}
