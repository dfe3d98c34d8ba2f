with

source as (

    select * from {{ source('config', 'commission_ramp') }}

),

renamed as (

    select
        plan_id,
        cast(month_no as integer) as month_no,
        cast(factor as decimal(9, 6)) as factor

    from source

)

select * from renamed
