-- Every raw region row, renamed, with the rule it breaks (if any): an id may be listed
-- once; a repeated one is kept the first time (by name) and rejected after.
with

source as (
    select * from {{ source('mentorhub', 'region') }}
),

numbered as (
    select
        id as region_id,
        btrim(name) as region_name,
        row_number() over (partition by id order by btrim(name)) as occurrence
    from source
),

checked as (
    select
        region_id,
        region_name,
        case
            when region_id is null then 'id is null'
            when occurrence > 1 then 'duplicate id'
        end as rejection_reason
    from numbered
)

select * from checked
