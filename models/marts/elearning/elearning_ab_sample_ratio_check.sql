-- Task A: did the split of users into A and B come out as designed? A chi-square test of
-- the observed group sizes against the expected share of B (sample ratio mismatch).
{%- set expected_share_b = var('ab_expected_share_b', 0.8) %}
with

summaries as (
    select * from {{ ref('int_ab_groups_summarized') }}
),

counts as (
    select
        coalesce(max(case when grp = 'A' then users end), 0) as users_a,
        coalesce(max(case when grp = 'B' then users end), 0) as users_b
    from summaries
    having count(*) > 0
),

tested as (
    select
        users_a,
        users_b,
        cast({{ expected_share_b }} as numeric) as expected_share_b,
        {{ pulse.sample_ratio_chi_square('users_a', 'users_b', expected_share_b) }}
            as chi_square
    from counts
),

final as (
    select
        users_a,
        users_b,
        expected_share_b,
        chi_square,
        {{ pulse.sample_ratio_p_value('users_a', 'users_b', 'expected_share_b') }} as p_value,
        coalesce(
            {{ pulse.sample_ratio_p_value('users_a', 'users_b', 'expected_share_b') }} < 0.001,
            false
        ) as is_mismatch
    from tested
)

select * from final
