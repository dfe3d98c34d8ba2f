with

source as (

    select * from {{ source('config', 'targets_allocation') }}

),

renamed as (

    select
        level,
        method,
        cast(history_months as integer) as history_months

    from source

)

select * from renamed
