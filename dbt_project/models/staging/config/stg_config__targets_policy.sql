with

source as (

    select * from {{ source('config', 'targets_policy') }}

),

renamed as (

    select
        cast(plan_year as integer) as plan_year,
        cast(company_target_amount as double) as company_target_amount,
        cast(growth_rate as double) as growth_rate,
        cast(stretch_pct as double) as stretch_pct,
        seasonality_source,
        cast(seasonality_years as integer) as seasonality_years,
        cast(new_hire_default_monthly_target as double) as new_hire_default_monthly_target,
        cast(new_hire_min_history_months as integer) as new_hire_min_history_months

    from source

)

select * from renamed
