-- Task A, for charts and BI: each group's value of the three metrics with its own 95%
-- confidence interval (Wald for the conversion; Student t for the means).
with

summaries as (
    select * from {{ ref('int_ab_groups_summarized') }}
),

moments as (
    select
        grp,
        'conversion_rate' as metric,
        active_users as observations,
        case when active_users > 0 then cast(payers as numeric) / active_users end as value,
        cast(null as numeric) as variance
    from summaries

    union all

    select
        grp,
        'arpau' as metric,
        active_users as observations,
        revenue_per_active_mean as value,
        revenue_per_active_variance as variance
    from summaries

    union all

    select
        grp,
        'arppu' as metric,
        payers as observations,
        revenue_per_payer_mean as value,
        revenue_per_payer_variance as variance
    from summaries
),

quantiles as (
    select
        *,
        {{ pulse.normal_quantile(0.975) }} as z_975,
        {{ pulse.student_t_quantile(0.975, 'observations - 1') }} as t_975
    from moments
),

half_widths as (
    select
        *,
        case
            when metric = 'conversion_rate' and observations > 0
                then z_975 * sqrt(cast(value * (1 - value) as double precision) / observations)
            when observations > 1
                then t_975 * sqrt(cast(variance as double precision) / observations)
        end as half_width
    from quantiles
),

final as (
    select
        grp,
        metric,
        observations,
        value,
        cast(value - half_width as double precision) as ci_low,
        cast(value + half_width as double precision) as ci_high
    from half_widths
)

select * from final
