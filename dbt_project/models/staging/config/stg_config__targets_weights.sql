with

source as (

    select * from {{ source('config', 'targets_weights') }}

),

renamed as (

    select
        level,
        key,
        cast(weight as double) as weight

    from source

)

select * from renamed
