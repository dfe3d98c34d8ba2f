with

source as (

    select * from {{ source('config', 'targets_ramp') }}

),

renamed as (

    select
        cast(month_no as integer) as month_no,
        cast(factor as double) as factor

    from source

)

select * from renamed
