with

source as (

    select * from {{ source('config', 'scorecard_period_types') }}

),

renamed as (

    select
        period_type

    from source

)

select * from renamed
