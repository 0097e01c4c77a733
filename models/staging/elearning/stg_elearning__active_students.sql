-- Users active during the experiment, once each (see base_elearning__active_students).
{{ pulse.split_rejected(ref('base_elearning__active_students'), ['user_id']) }}
