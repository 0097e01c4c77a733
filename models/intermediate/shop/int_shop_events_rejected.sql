{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('event_day'),
        unique_key=['source_file', 'loaded_at', 'source_row_index'],
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set reprocess_from = pulse.shop_rejected_reprocess_from(ref('int_shop_events_sequenced')) %}
-- Every raw telemetry row that breaks a row-level rule, with the reason, kept incrementally
-- so that counting them costs no scan of the whole log: each run re-reads the rows of the
-- window the event log has just reprocessed (and any row without a timestamp) through the
-- raw BRIN index.
with

rejected as (
    select * from {{ ref('stg_shop__events_rejected') }}
),

final as (
    select
        user_id,
        session_id,
        event_at,
        cast(event_at as date) as event_day,
        action,
        value,
        category,
        age,
        gender,
        city,
        source_file,
        loaded_at,
        source_row_index,
        rejection_reason
    from rejected
    {%- if reprocess_from %}
    where
        event_at >= cast('{{ reprocess_from }}' as timestamp)
        or event_at is null
    {%- endif %}
)

select * from final
