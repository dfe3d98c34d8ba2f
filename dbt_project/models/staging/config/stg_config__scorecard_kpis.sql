with

source as (

    select * from {{ source('config', 'scorecard_kpis') }}

),

renamed as (

    select
        role,
        kpi,
        cast(weight as double) as weight,
        method,
        cast(kpi_target as double) as kpi_target,
        cast(cap as double) as cap,
        cast(position as integer) as position

    from source

)

select * from renamed
