with

source as (

    select * from {{ source('config', 'alert_settings') }}

),

renamed as (

    select
        rule,
        setting,
        cast(value_number as double) as value_number,
        value_text

    from source

)

select * from renamed
