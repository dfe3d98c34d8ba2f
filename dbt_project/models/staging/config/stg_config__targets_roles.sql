with

source as (

    select * from {{ source('config', 'targets_roles') }}

),

renamed as (

    select
        role

    from source

)

select * from renamed
