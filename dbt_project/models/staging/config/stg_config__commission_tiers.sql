with

source as (

    select * from {{ source('config', 'commission_tiers') }}

),

renamed as (

    select
        plan_id,
        cast(tier_no as integer) as tier_no,
        cast(tier_from as decimal(18, 6)) as tier_from,
        cast(tier_to as decimal(18, 6)) as tier_to,
        cast(rate as decimal(9, 6)) as rate,
        cast(multiplier as decimal(9, 6)) as multiplier

    from source

)

select * from renamed
