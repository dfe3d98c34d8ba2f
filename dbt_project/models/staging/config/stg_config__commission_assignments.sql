with

source as (

    select * from {{ source('config', 'commission_assignments') }}

),

renamed as (

    select
        cast(assignment_no as integer) as assignment_no,
        rep_id,
        role,
        plan_id,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to

    from source

)

select * from renamed
