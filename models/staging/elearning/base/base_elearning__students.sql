-- Every student of the course test, with the rule the row breaks (if any).
with

source as (
    select * from {{ source('elearning', 'studs') }}
),

numbered as (
    select
        st_id as student_id,
        lower(btrim(test_grp)) as test_grp,
        row_number() over (partition by st_id order by test_grp) as occurrence
    from source
),

checked as (
    select
        student_id,
        test_grp,
        case
            when student_id is null then 'st_id is null'
            when occurrence > 1 then 'duplicate st_id'
            when test_grp is null or test_grp not in ('control', 'pilot')
                then 'test_grp is not control or pilot'
        end as rejection_reason
    from numbered
)

select * from checked
