-- Every id that appears in any A/B file, once, with what each file says about it: its
-- group (null when it has none, or conflicting ones), whether it was active, its checks.
with

assignments as (
    select * from {{ ref('stg_elearning__group_assignments') }}
),

rejected_assignments as (
    select * from {{ ref('stg_elearning__group_assignments_rejected') }}
),

active_students as (
    select * from {{ ref('stg_elearning__active_students') }}
),

checks as (
    select * from {{ ref('stg_elearning__checks') }}
),

conflicts as (
    select distinct user_id
    from rejected_assignments
    where rejection_reason = 'id listed with different groups'
),

user_checks as (
    select
        user_id,
        count(*) as checks,
        sum(amount) as revenue
    from checks
    group by user_id
),

all_ids as (
    select user_id from assignments
    union
    select user_id from conflicts
    union
    select user_id from active_students
    union
    select user_id from user_checks
),

joined as (
    select
        all_ids.user_id,
        assignments.grp,
        conflicts.user_id is not null as has_conflicting_groups,
        active_students.user_id is not null as is_active,
        user_checks.user_id is not null as has_check,
        coalesce(user_checks.checks, 0) as checks,
        coalesce(user_checks.revenue, 0) as revenue
    from all_ids
    left join assignments
        on all_ids.user_id = assignments.user_id
    left join conflicts
        on all_ids.user_id = conflicts.user_id
    left join active_students
        on all_ids.user_id = active_students.user_id
    left join user_checks
        on all_ids.user_id = user_checks.user_id
)

select * from joined
