with

source as (

    select * from {{ source('ledger', 'closed_statements') }}

),

renamed as (

    select
        rep_id,
        plan_id,
        period_type,
        cast(period_start as date) as period_start,
        period_label,
        measure,
        cast(measure_amount as decimal(18, 2)) as measure_amount,
        cast(target_amount as decimal(18, 2)) as target_amount,
        cast(attainment_pct as double) as attainment_pct,
        cast(tier_commission as decimal(18, 2)) as tier_commission,
        cast(spif as decimal(18, 2)) as spif,
        cast(cap_reduction as decimal(18, 2)) as cap_reduction,
        cast(override as decimal(18, 2)) as override,
        cast(clawback as decimal(18, 2)) as clawback,
        cast(adjustments as decimal(18, 2)) as adjustments,
        cast(restatement as decimal(18, 2)) as restatement,
        cast(payable as decimal(18, 2)) as payable,
        cast(closed_at as timestamp) as closed_at,
        cast(closed_as_of as date) as closed_as_of

    from source

)

select * from renamed
