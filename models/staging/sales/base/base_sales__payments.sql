-- Every raw payment, renamed and cast, with the row-level rule it breaks (if any).
with

source as (
    select * from {{ source('sales', 'payments') }}
),

renamed as (
    select
        btrim(_user_id) as raw_user_id,
        transaction_created_at as paid_at,
        btrim(transaction_id) as transaction_id,
        amount,
        upper(btrim(currency)) as currency,
        is_gift
    from source
),

numbered as (
    select
        *,
        row_number() over (
            partition by transaction_id
            order by paid_at, raw_user_id, amount, currency, is_gift
        ) as occurrence,
        row_number() over (
            partition by raw_user_id, paid_at, transaction_id, amount, currency, is_gift
            order by paid_at
        ) as copy_number
    from renamed
),

checked as (
    select
        raw_user_id,
        case
            when {{ pulse.is_digits('raw_user_id') }} then cast(raw_user_id as bigint)
        end as user_id,
        paid_at,
        transaction_id,
        amount,
        currency,
        coalesce(is_gift, false) as is_gift,
        case
            when raw_user_id is null then '_user_id is null'
            when not {{ pulse.is_digits('raw_user_id') }} then '_user_id is not a number'
            when paid_at is null then 'transaction_created_at is null'
            when transaction_id is null then 'transaction_id is null'
            when copy_number > 1 then 'exact duplicate row'
            when occurrence > 1 then 'duplicate transaction_id'
            when amount is null then 'amount is null'
            when amount < 0 then 'amount is negative'
            when currency is null then 'currency is null'
        end as rejection_reason
    from numbered
)

select * from checked
