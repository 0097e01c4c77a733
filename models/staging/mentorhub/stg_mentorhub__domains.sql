with

source as (
    select * from {{ source('mentorhub', 'domain') }}
),

renamed as (
    select
        id as domain_id,
        btrim(name) as domain_name
    from source
)

select * from renamed
