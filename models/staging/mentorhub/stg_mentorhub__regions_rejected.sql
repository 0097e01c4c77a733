-- Raw region rows that break a rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_mentorhub__regions'), [
    'region_id',
    'region_name',
], rejected=true) }}
