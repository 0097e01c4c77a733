-- Task B(b): course-group metrics of the platform's test groups (control, pilot).
with

students as (
    select * from {{ ref('stg_elearning__students') }}
),

peas as (
    select * from {{ ref('stg_elearning__peas') }}
),

purchases as (
    select * from {{ ref('stg_elearning__course_purchases') }}
),

student_peas as (
    select
        student_id,
        sum(case when is_correct then 1 else 0 end) as correct_peas,
        sum(case when is_correct and subject = 'Math' then 1 else 0 end) as correct_math_peas
    from peas
    group by student_id
),

student_purchases as (
    select
        student_id,
        sum(amount) as revenue,
        max(case when subject = 'Math' then 1 else 0 end) = 1 as bought_math
    from purchases
    group by student_id
),

profiles as (
    select
        students.student_id,
        students.test_grp,
        coalesce(student_peas.correct_peas, 0) > 10 as is_active,
        coalesce(student_peas.correct_math_peas, 0) >= 2 as is_math_active,
        student_purchases.student_id is not null as is_payer,
        coalesce(student_purchases.revenue, 0) as revenue,
        coalesce(student_purchases.bought_math, false) as bought_math
    from students
    left join student_peas
        on students.student_id = student_peas.student_id
    left join student_purchases
        on students.student_id = student_purchases.student_id
),

grouped as (
    select
        test_grp,
        count(*) as students,
        sum(case when is_active then 1 else 0 end) as active_students,
        sum(case when is_math_active then 1 else 0 end) as math_active_students,
        sum(case when is_payer then 1 else 0 end) as payers,
        cast(sum(revenue) as numeric) as revenue,
        sum(case when is_active then revenue else 0 end) as active_revenue,
        sum(case when is_active and is_payer then 1 else 0 end) as active_payers,
        sum(case when is_math_active and bought_math then 1 else 0 end) as math_active_buyers
    from profiles
    group by test_grp
),

final as (
    select
        test_grp,
        students,
        active_students,
        math_active_students,
        payers,
        revenue,
        cast(revenue as numeric) / students as arpu,
        case
            when active_students > 0 then cast(active_revenue as numeric) / active_students
        end as arpau,
        cast(payers as numeric) / students as conversion_rate,
        case
            when active_students > 0 then cast(active_payers as numeric) / active_students
        end as active_conversion_rate,
        case
            when math_active_students > 0
                then cast(math_active_buyers as numeric) / math_active_students
        end as math_conversion_rate
    from grouped
)

select * from final
