-- Every solved exercise, renamed and cast, with the rule it breaks (if any).
with

source as (
    select * from {{ source('elearning', 'peas') }}
),

checked as (
    select
        st_id as student_id,
        timest as solved_at,
        correct,
        btrim(subject) as subject,
        case
            when st_id is null then 'st_id is null'
            when timest is null then 'timest is null'
            when correct is null or correct not in (0, 1) then 'correct is not 0 or 1'
            when subject is null then 'subject is null'
        end as rejection_reason
    from source
)

select * from checked
