-- Every raw user, renamed and cast, with the row-level rule it breaks (if any).
with

source as (
    select * from {{ source('mentorhub', 'users') }}
),

renamed as (
    select
        user_id,
        cast(reg_date as date) as registered_on,
        lower(btrim(role)) as role,
        region_id
    from source
),

numbered as (
    select
        *,
        row_number() over (
            partition by user_id
            order by registered_on, role, region_id
        ) as occurrence
    from renamed
),

checked as (
    select
        user_id,
        registered_on,
        role,
        region_id,
        case
            when user_id is null then 'user_id is null'
            when occurrence > 1 then 'duplicate user_id'
            when role is null then 'role is null'
            when role not in ('mentor', 'mentee') then 'role is not mentor or mentee'
        end as rejection_reason
    from numbered
)

select * from checked
