{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('activity_week'),
        unique_key='activity_week',
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_reprocess_from('activity_week', loads) %}
{%- if reprocess_from %}
{%- set weeks_from = pulse.shop_period_start_of('week', reprocess_from) %}
{%- endif %}
-- Retained users of each cohort week in each of its first 13 weeks (0..12): cohort users
-- with any action in that week. Week 0 holds the whole cohort.
with

user_hours as (
    select * from {{ ref('int_shop_user_hours_summarized') }}
),

users as (
    select * from {{ ref('int_shop_users_cohorted') }}
),

active_weeks as (
    select distinct
        user_id,
        {{ pulse.shop_period_start('week', 'day') }} as activity_week
    from user_hours
    where
        events > 0{% if weeks_from %}
        and day >= cast('{{ weeks_from }}' as date){% endif %}
),

weeks_since_first as (
    select
        users.cohort_week,
        active_weeks.activity_week,
        {{ pulse.shop_weeks_between('users.cohort_week', 'active_weeks.activity_week') }}
            as weeks_since_first,
        active_weeks.user_id
    from active_weeks
    inner join users
        on active_weeks.user_id = users.user_id
),

final as (
    select
        cohort_week,
        activity_week,
        weeks_since_first,
        count(*) as retained_users,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from weeks_since_first
    where weeks_since_first <= 12
    group by cohort_week, activity_week, weeks_since_first
)

select * from final
