-- Every raw payment that no mart counts, with the rule it broke: row-level rules from
-- staging, and currencies without a rate.
with

staged_rejects as (
    select * from {{ ref('stg_sales__payments_rejected') }}
),

payments as (
    select * from {{ ref('stg_sales__payments') }}
),

rates as (
    select * from {{ ref('sales_currency_rates') }}
),

unknown_currency as (
    select
        payments.user_id,
        payments.paid_at,
        payments.transaction_id,
        payments.amount,
        payments.currency,
        payments.is_gift
    from payments
    left join rates
        on payments.currency = rates.currency
    where rates.currency is null
),

unioned as (
    select
        raw_user_id,
        paid_at,
        transaction_id,
        amount,
        currency,
        is_gift,
        rejection_reason
    from staged_rejects

    union all

    select
        cast(user_id as text) as raw_user_id,
        paid_at,
        transaction_id,
        amount,
        currency,
        is_gift,
        'currency has no rate to RUB' as rejection_reason
    from unknown_currency
)

select * from unioned
