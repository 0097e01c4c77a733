-- Exercise rows that break a rule, with the reason.
{{ pulse.split_rejected(ref('base_elearning__peas'), [
    'student_id',
    'solved_at',
    'correct',
    'subject',
], rejected=true) }}
