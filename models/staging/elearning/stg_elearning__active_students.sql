-- Users active during the experiment, once each (the list may repeat an id).
with

source as (
    select * from {{ source('elearning', 'active_studs') }}
),

final as (
    select distinct student_id as user_id
    from source
    where student_id is not null
)

select * from final
