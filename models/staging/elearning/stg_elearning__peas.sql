-- Solved exercises that pass every rule (see base_elearning__peas).
{{ pulse.split_rejected(ref('base_elearning__peas'), [
    'student_id',
    'solved_at',
    'correct = 1 as is_correct',
    'subject',
]) }}
