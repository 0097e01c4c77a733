-- Every raw domain row, renamed, with the rule it breaks (if any): an id may be listed
-- once; a repeated one is kept the first time (by name) and rejected after.
with

source as (
    select * from {{ source('mentorhub', 'domain') }}
),

numbered as (
    select
        id as domain_id,
        btrim(name) as domain_name,
        row_number() over (partition by id order by btrim(name)) as occurrence
    from source
),

checked as (
    select
        domain_id,
        domain_name,
        case
            when domain_id is null then 'id is null'
            when occurrence > 1 then 'duplicate id'
        end as rejection_reason
    from numbered
)

select * from checked
