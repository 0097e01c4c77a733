-- Rows of the active list that break a rule (a null id, a repeated id), with the reason.
{{ pulse.split_rejected(ref('base_elearning__active_students'), ['user_id'], rejected=true) }}
