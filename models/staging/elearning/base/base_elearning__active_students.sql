-- Every raw row of the active list, with the rule it breaks (if any): the list may repeat
-- an id; the repeats are rejected, so each active user is kept once.
with

source as (
    select * from {{ source('elearning', 'active_studs') }}
),

numbered as (
    select
        student_id as user_id,
        row_number() over (partition by student_id) as occurrence
    from source
),

checked as (
    select
        user_id,
        case
            when user_id is null then 'student_id is null'
            when occurrence > 1 then 'duplicate student_id'
        end as rejection_reason
    from numbered
)

select * from checked
