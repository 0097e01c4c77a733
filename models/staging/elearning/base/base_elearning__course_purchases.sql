-- Every course purchase (`final_project_check`), with the rule it breaks (if any).
with

source as (
    select * from {{ source('elearning', 'final_project_check') }}
),

checked as (
    select
        st_id as student_id,
        sale_time as bought_at,
        money as amount,
        btrim(subject) as subject,
        case
            when st_id is null then 'st_id is null'
            when sale_time is null then 'sale_time is null'
            when money is null then 'money is null'
            when money < 0 then 'money is negative'
            when subject is null then 'subject is null'
        end as rejection_reason
    from source
)

select * from checked
