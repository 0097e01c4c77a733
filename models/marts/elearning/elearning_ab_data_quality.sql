-- Task A: what the inputs hold that the metrics leave out, so nothing is dropped silently.
with

users as (
    select * from {{ ref('int_ab_users_joined') }}
),

-- each id counts in one finding only, the first that applies (the spec's order): a
-- conflicting id only as conflicting; an id in neither file as a check without a group
-- when it has a check, else as an active id without a group; an id of a group with a
-- check but not active as an inactive payer
classified as (
    select
        user_id,
        revenue,
        case
            when has_conflicting_groups then 'conflicting_group_ids'
            when grp is null and has_check then 'checks_without_group'
            when grp is null and is_active then 'active_without_group'
            when has_check and not is_active then 'inactive_payers'
        end as finding
    from users
),

findings as (
    select
        'inactive_payers' as finding,
        count(*) as ids,
        coalesce(sum(revenue), 0) as revenue
    from classified
    where finding = 'inactive_payers'

    union all

    select
        'checks_without_group' as finding,
        count(*) as ids,
        coalesce(sum(revenue), 0) as revenue
    from classified
    where finding = 'checks_without_group'

    union all

    select
        'active_without_group' as finding,
        count(*) as ids,
        cast(null as numeric) as revenue
    from classified
    where finding = 'active_without_group'

    union all

    select
        'conflicting_group_ids' as finding,
        count(*) as ids,
        cast(null as numeric) as revenue
    from classified
    where finding = 'conflicting_group_ids'
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
