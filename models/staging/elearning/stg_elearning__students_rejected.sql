-- Student rows that break a rule, with the reason.
{{ pulse.split_rejected(ref('base_elearning__students'), [
    'student_id',
    'test_grp',
], rejected=true) }}
