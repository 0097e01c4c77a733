-- Students that pass every rule (see base_elearning__students).
{{ pulse.split_rejected(ref('base_elearning__students'), [
    'student_id',
    'test_grp',
]) }}
