with

source as (

    select * from {{ source('raw', 'calendar_days') }}

),

renamed as (

    select
        cast(date as date) as date,
        cast(is_workday as boolean) as is_workday,
        nullif(trim(holiday_name), '') as holiday_name,
        calendar_source

    from source

)

select * from renamed
qualify row_number() over (partition by date order by calendar_source) = 1
