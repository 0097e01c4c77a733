-- Payments that pass every row-level rule (see base_sales__payments).
with

checked as (
    select * from {{ ref('base_sales__payments') }}
),

final as (
    select
        user_id,
        paid_at,
        transaction_id,
        amount,
        currency,
        is_gift
    from checked
    where rejection_reason is null
)

select * from final
