-- Every raw payment of the experiment, with the rule it breaks (if any). Several checks
-- of one user are legitimate separate rows and add up downstream.
with

source as (
    select * from {{ source('elearning', 'checks') }}
),

checked as (
    select
        student_id as user_id,
        rev as amount,
        case
            when student_id is null then 'student_id is null'
            when rev is null then 'rev is null'
            when rev < 0 then 'rev is negative'
        end as rejection_reason
    from source
)

select * from checked
