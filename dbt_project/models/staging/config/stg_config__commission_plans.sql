with

source as (

    select * from {{ source('config', 'commission_plans') }}

),

renamed as (

    select
        plan_id,
        period_type,
        measure,
        tier_basis,
        tier_method,
        cast(cap as decimal(18, 2)) as cap,
        cast(clawback_days as integer) as clawback_days,
        cast(manager_override_rate as decimal(9, 6)) as manager_override_rate,
        currency,
        cast(target_incentive as decimal(18, 2)) as target_incentive

    from source

)

select * from renamed
