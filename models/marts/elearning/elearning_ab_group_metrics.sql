-- Task A: the A/B test's metrics per group. The population is the active users of the
-- groups; payers are active users with a check; money of inactive payers is not revenue.
with

summaries as (
    select * from {{ ref('int_ab_groups_summarized') }}
),

final as (
    select
        grp,
        users,
        active_users,
        payers,
        revenue,
        case
            when active_users > 0 then cast(payers as numeric) / active_users
        end as conversion_rate,
        case when active_users > 0 then revenue / active_users end as arpau,
        case when payers > 0 then revenue / payers end as arppu,
        inactive_payers
    from summaries
)

select * from final
