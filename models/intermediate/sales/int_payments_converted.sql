-- Valid payments in roubles. A payment in a currency without a rate is not here: it is in
-- int_payments_rejected with the reason.
with

payments as (
    select * from {{ ref('stg_sales__payments') }}
),

rates as (
    select * from {{ ref('sales_currency_rates') }}
),

converted as (
    select
        payments.user_id,
        payments.paid_at,
        payments.transaction_id,
        payments.amount,
        payments.currency,
        payments.amount * rates.rate_to_rub as amount_rub,
        payments.is_gift
    from payments
    inner join rates
        on payments.currency = rates.currency
)

select * from converted
