-- The loader's ledger of telemetry loads: the incremental shop models take in every load
-- recorded after the latest one they hold (`loaded_through`), however old its rows.
with

source as (
    select * from {{ source('shop', 'loads') }}
),

renamed as (
    select
        file_name as source_file,
        loaded_at,
        first_event_at
    from source
)

select * from renamed
