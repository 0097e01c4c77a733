-- Raw payments rows that break a row-level rule, with the reason; nothing is dropped silently.
with

checked as (
    select * from {{ ref('base_sales__payments') }}
),

final as (
    select
        raw_user_id,
        paid_at,
        transaction_id,
        amount,
        currency,
        is_gift,
        rejection_reason
    from checked
    where rejection_reason is not null
)

select * from final
