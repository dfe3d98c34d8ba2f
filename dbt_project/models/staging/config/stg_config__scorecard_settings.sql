with

source as (

    select * from {{ source('config', 'scorecard_settings') }}

),

renamed as (

    select
        peer_group

    from source

)

select * from renamed
