-- Task A: what the inputs hold that the metrics leave out, so nothing is dropped silently.
with

users as (
    select * from {{ ref('int_ab_users_joined') }}
),

findings as (
    select
        'inactive_payers' as finding,
        count(*) as ids,
        coalesce(sum(revenue), 0) as revenue
    from users
    where has_check and not is_active

    union all

    select
        'checks_without_group' as finding,
        count(*) as ids,
        coalesce(sum(revenue), 0) as revenue
    from users
    where has_check and grp is null

    union all

    select
        'active_without_group' as finding,
        count(*) as ids,
        cast(null as numeric) as revenue
    from users
    where is_active and grp is null

    union all

    select
        'conflicting_group_ids' as finding,
        count(*) as ids,
        cast(null as numeric) as revenue
    from users
    where has_conflicting_groups
),

final as (
    select
        finding,
        ids,
        revenue
    from findings
    -- no A/B files loaded: no findings either (an empty domain leaves empty marts)
    where exists (select 1 from users)
)

select * from final
