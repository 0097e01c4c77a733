-- One A/B group per user: ids that pass every rule (see base_elearning__group_assignments).
{{ pulse.split_rejected(ref('base_elearning__group_assignments'), [
    'user_id',
    'grp',
    'source_file',
]) }}
