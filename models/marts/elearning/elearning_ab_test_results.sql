-- Task A: B against A on the three metrics, with the test, statistic, p-value and 95% CI
-- of B − A. Conversion: pooled two-proportion z-test, unpooled Wald CI. ARPAU (all active
-- users, 0 for non-payers) and ARPPU (payers): Welch's t-test with the exact Student t.
{%- set alpha = var('ab_alpha', 0.05) %}
{%- set arpau = ['mean_active_a', 'var_active_a', 'active_a',
                 'mean_active_b', 'var_active_b', 'active_b'] %}
{%- set arppu = ['mean_payer_a', 'var_payer_a', 'payers_a',
                 'mean_payer_b', 'var_payer_b', 'payers_b'] %}
with

summaries as (
    select * from {{ ref('int_ab_groups_summarized') }}
),

both_groups as (
    select
        max(case when grp = 'A' then active_users end) as active_a,
        max(case when grp = 'B' then active_users end) as active_b,
        max(case when grp = 'A' then payers end) as payers_a,
        max(case when grp = 'B' then payers end) as payers_b,
        max(case when grp = 'A' then revenue_per_active_mean end) as mean_active_a,
        max(case when grp = 'B' then revenue_per_active_mean end) as mean_active_b,
        max(case when grp = 'A' then revenue_per_active_variance end) as var_active_a,
        max(case when grp = 'B' then revenue_per_active_variance end) as var_active_b,
        max(case when grp = 'A' then revenue_per_payer_mean end) as mean_payer_a,
        max(case when grp = 'B' then revenue_per_payer_mean end) as mean_payer_b,
        max(case when grp = 'A' then revenue_per_payer_variance end) as var_payer_a,
        max(case when grp = 'B' then revenue_per_payer_variance end) as var_payer_b
    from summaries
    having
        count(case when grp = 'A' then 1 end) = 1
        and count(case when grp = 'B' then 1 end) = 1
),

tests as (
    select
        'conversion_rate' as metric,
        case when active_a > 0 then cast(payers_a as numeric) / active_a end as value_a,
        case when active_b > 0 then cast(payers_b as numeric) / active_b end as value_b,
        'two_proportion_z' as test,
        {{ pulse.two_proportion_z('payers_a', 'active_a', 'payers_b', 'active_b') }}
            as statistic,
        cast(null as double precision) as df,
        {{ pulse.two_proportion_p_value('payers_a', 'active_a', 'payers_b', 'active_b') }}
            as p_value,
        {{ pulse.two_proportion_ci('payers_a', 'active_a', 'payers_b', 'active_b', 'low') }}
            as ci_low,
        {{ pulse.two_proportion_ci('payers_a', 'active_a', 'payers_b', 'active_b', 'high') }}
            as ci_high
    from both_groups

    union all

    select
        'arpau' as metric,
        mean_active_a as value_a,
        mean_active_b as value_b,
        'welch_t' as test,
        {{ pulse.welch_t_statistic(*arpau) }} as statistic,
        {{ pulse.welch_df(*arpau) }} as df,
        {{ pulse.welch_p_value(*arpau) }} as p_value,
        {{ pulse.welch_ci(*arpau, bound='low') }} as ci_low,
        {{ pulse.welch_ci(*arpau, bound='high') }} as ci_high
    from both_groups

    union all

    select
        'arppu' as metric,
        mean_payer_a as value_a,
        mean_payer_b as value_b,
        'welch_t' as test,
        {{ pulse.welch_t_statistic(*arppu) }} as statistic,
        {{ pulse.welch_df(*arppu) }} as df,
        {{ pulse.welch_p_value(*arppu) }} as p_value,
        {{ pulse.welch_ci(*arppu, bound='low') }} as ci_low,
        {{ pulse.welch_ci(*arppu, bound='high') }} as ci_high
    from both_groups
),

final as (
    select
        metric,
        value_a,
        value_b,
        value_b - value_a as lift_abs,
        case when value_a != 0 then value_b / value_a - 1 end as lift_rel,
        test,
        cast(statistic as double precision) as statistic,
        cast(df as double precision) as df,
        cast(p_value as double precision) as p_value,
        cast(ci_low as double precision) as ci_low,
        cast(ci_high as double precision) as ci_high,
        coalesce(p_value < {{ alpha }}, false) as is_significant
    from tests
)

select * from final
