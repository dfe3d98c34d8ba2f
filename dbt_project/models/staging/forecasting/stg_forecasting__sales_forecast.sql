with

source as (

    select * from {{ source('forecasting', 'fct_sales_forecast') }}

),

renamed as (

    select
        level,
        key,
        cast(month as date) as month,
        cast(forecast as double) as forecast_amount,
        cast(lower as double) as lower_amount,
        cast(upper as double) as upper_amount,
        model,
        cast(horizon as integer) as horizon

    from source

)

select * from renamed
