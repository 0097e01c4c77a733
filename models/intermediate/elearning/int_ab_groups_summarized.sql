-- Per A/B group, the counts and the moments the test statistics need: revenue per active
-- user (0 for non-payers) and per paying active user, with their sample variances.
with

users as (
    select * from {{ ref('int_ab_users_joined') }}
),

grouped as (
    select
        grp,
        count(*) as users,
        sum(case when is_active then 1 else 0 end) as active_users,
        sum(case when is_active and has_check then 1 else 0 end) as payers,
        sum(case when is_active then revenue else 0 end) as revenue,
        sum(case when has_check and not is_active then 1 else 0 end) as inactive_payers,
        avg(case when is_active then revenue end) as revenue_per_active_mean,
        var_samp(case when is_active then revenue end) as revenue_per_active_variance,
        avg(case when is_active and has_check then revenue end) as revenue_per_payer_mean,
        var_samp(case when is_active and has_check then revenue end)
            as revenue_per_payer_variance
    from users
    where grp is not null
    group by grp
)

select * from grouped
