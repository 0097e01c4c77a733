-- The A/B group of every user from both files, with the rule a row breaks (if any).
-- groups_add.csv arrives later; an id the two files (or one file) put in different
-- groups is a conflict: none of its rows is used.
with

groups as (
    select * from {{ source('elearning', 'groups') }}
),

groups_add as (
    select * from {{ source('elearning', 'groups_add') }}
),

unioned as (
    select
        id as user_id,
        upper(btrim(grp)) as grp,
        'groups.csv' as source_file
    from groups

    union all

    select
        id as user_id,
        upper(btrim(grp)) as grp,
        'groups_add.csv' as source_file
    from groups_add
),

compared as (
    select
        *,
        min(grp) over (partition by user_id)
        != max(grp) over (partition by user_id) as has_conflicting_groups,
        row_number() over (partition by user_id order by source_file, grp) as occurrence
    from unioned
),

checked as (
    select
        user_id,
        grp,
        source_file,
        case
            when user_id is null then 'id is null'
            when grp is null or grp not in ('A', 'B') then 'grp is not A or B'
            when has_conflicting_groups then 'id listed with different groups'
            when occurrence > 1 then 'duplicate id'
        end as rejection_reason
    from compared
)

select * from checked
