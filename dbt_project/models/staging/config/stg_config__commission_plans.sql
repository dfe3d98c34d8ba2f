with

source as (

    select * from {{ source('config', 'commission_plans') }}

),

renamed as (

    select
        plan_id,
        -- issue 18 item 1: statements (and everything booked on them) follow the pay period; tiers the
        -- plan's `period` to date (tier_period_type)
        coalesce(pay_period_type, period_type) as period_type,
        period_type as tier_period_type,
        pay_period_type is not null as pays_to_date,
        measure,
        tier_basis,
        tier_method,
        cast(cap as decimal(18, 2)) as cap,
        cast(clawback_days as integer) as clawback_days,
        cast(manager_override_rate as decimal(9, 6)) as manager_override_rate,
        currency,
        cast(target_incentive as decimal(18, 2)) as target_incentive,
        coalesce(true_up, 'pay_period') as true_up,
        cast(advance_rate as decimal(9, 6)) as advance_rate,
        cast(draw_amount as decimal(18, 2)) as draw_amount,
        draw_recoverable,
        draw_from,
        draw_to,
        draw_recover_from,
        coalesce(deal_allocation, 'pro_rata') as deal_allocation,
        coalesce(tier_scope, 'period') as tier_scope,
        -- issue 18 item 7: the early-exit clawback; item 4: the least a deal earns
        cast(exit_clawback_days as integer) as exit_clawback_days,
        cast(exit_clawback_share as decimal(9, 6)) as exit_clawback_share,
        cast(deal_minimum as decimal(18, 2)) as deal_minimum,
        -- issue 18 item 2: a component of a plan is computed as a plan `<plan>.<component>`; assignments name
        -- the parent plan (a plain plan is its own parent)
        coalesce(parent_plan_id, plan_id) as parent_plan_id,
        component_id,
        cast(component_weight as decimal(9, 6)) as component_weight,
        cast(quota as decimal(18, 6)) as quota,
        product_line

    from source

)

select * from renamed
