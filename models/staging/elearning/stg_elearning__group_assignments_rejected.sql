-- Group rows no mart uses, with the reason (conflicting ids among them).
{{ pulse.split_rejected(ref('base_elearning__group_assignments'), [
    'user_id',
    'grp',
    'source_file',
], rejected=true) }}
