-- Events with their CJM step and flow from the analysts' catalog (mapped by description).
-- An event type missing from the catalog keeps a null step: a warning test reports it,
-- and it still takes its place in the user stream rather than vanishing.
with

events as (
    select * from {{ ref('stg_sales__events') }}
),

event_types as (
    select * from {{ ref('stg_sales__event_types') }}
),

catalog as (
    select * from {{ ref('sales_event_catalog') }}
),

cataloged as (
    select
        events.user_id,
        events.happened_at,
        events.event_type_id,
        event_types.description,
        catalog.step,
        catalog.flow,
        catalog.step_order
    from events
    left join event_types
        on events.event_type_id = event_types.event_type_id
    left join catalog
        on event_types.description = catalog.description
)

select * from cataloged
