-- Raw sessions rows that break a row-level rule, with the reason; nothing is dropped silently.
{{ pulse.split_rejected(ref('base_mentorhub__sessions'), rejected=true) }}
