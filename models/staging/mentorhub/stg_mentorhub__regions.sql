with

source as (
    select * from {{ source('mentorhub', 'region') }}
),

renamed as (
    select
        id as region_id,
        btrim(name) as region_name
    from source
)

select * from renamed
