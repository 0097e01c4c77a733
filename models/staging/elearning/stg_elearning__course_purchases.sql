-- Course purchases that pass every rule (see base_elearning__course_purchases).
{{ pulse.split_rejected(ref('base_elearning__course_purchases'), [
    'student_id',
    'bought_at',
    'amount',
    'subject',
]) }}
