-- Regions that pass every rule (see base_mentorhub__regions).
{{ pulse.split_rejected(ref('base_mentorhub__regions'), [
    'region_id',
    'region_name',
]) }}
