-- Task B(a): students who solved at least `diligent_min_correct` exercises correctly in a
-- month, for every month of the data.
{%- set min_correct = var('diligent_min_correct', 20) | int %}
with

peas as (
    select * from {{ ref('stg_elearning__peas') }}
),

bounds as (
    select
        min(solved_at) as first_at,
        max(solved_at) as last_at
    from peas
    having count(*) > 0
),

months as (
    {{ pulse.date_series(
        'month', '(select first_at from bounds)', '(select last_at from bounds)'
    ) }}
),

student_months as (
    select
        student_id,
        cast({{ dbt.date_trunc('month', 'solved_at') }} as date) as month,
        count(*) as correct_peas
    from peas
    where is_correct
    group by student_id, cast({{ dbt.date_trunc('month', 'solved_at') }} as date)
),

diligent as (
    select
        month,
        count(*) as students
    from student_months
    where correct_peas >= {{ min_correct }}
    group by month
),

final as (
    select
        months.month,
        coalesce(diligent.students, 0) as students
    from months
    left join diligent
        on months.month = diligent.month
)

select * from final
