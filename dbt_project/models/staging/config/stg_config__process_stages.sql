with

source as (

    select * from {{ source('config', 'process_stages') }}

),

renamed as (

    select
        trim(stage) as stage,
        cast(stage_order as integer) as stage_order,
        cast(probability as double) as probability,
        stage_kind

    from source

)

select * from renamed
