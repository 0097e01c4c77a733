-- Course purchase rows that break a rule, with the reason.
{{ pulse.split_rejected(ref('base_elearning__course_purchases'), [
    'student_id',
    'bought_at',
    'amount',
    'subject',
], rejected=true) }}
