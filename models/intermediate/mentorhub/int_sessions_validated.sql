-- The sessions every Mentorhub mart counts: valid rows, up to the data's last day
-- (the `as_of_date` var, when set, ends the reporting period), with calendar fields.
{%- set as_of_date = var('as_of_date', none) or '9999-12-31' %}
with

checked as (
    select * from {{ ref('int_sessions_checked') }}
),

validated as (
    select
        session_id,
        session_at,
        cast(session_at as date) as session_date,
        cast({{ dbt.date_trunc('month', 'session_at') }} as date) as session_month,
        {{ pulse.iso_weekday('session_at') }} as iso_weekday,
        mentor_id,
        mentee_id,
        session_status,
        session_status = 'finished' as is_finished,
        session_status = 'canceled' as is_canceled,
        domain_id,
        domain_name
    from checked
    where
        rejection_reason is null
        and cast(session_at as date) <= cast('{{ as_of_date }}' as date)
)

select * from validated
