-- Plan periods of each rep with the target that applies (docs/contract.md section 3 "Target"), grain:
-- rep x plan x period. A period exists when the plan is assigned to the rep on at least one of its days and
-- it starts on or before the as-of date.
-- target_amount = the sum over the period's months of the month's target x the month's factor
-- (int_commission_period_months: the ramp factor in ramp months, 0 outside employment, else the share of the
-- month this plan covers), rounded half-up to the cent once. NULL when no month of the period has a target.
-- Hired 2025-02-10, ramp [0.25, 0.5, 0.75], targets Feb 40,000 and Mar 40,000 (no January):
-- 0 x January + 0.25 x 40,000 + 0.5 x 40,000 = 30,000.
-- period_target_incentive = target_incentive x target / full target (issue 18 item 3).

with

days as (

    select * from {{ ref('int_commission_assignment_days') }}

),

plans as (

    select * from {{ ref('stg_config__commission_plans') }}

),

assigned as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        count(*) as assigned_days,
        min(day) as first_assigned_day,
        max(day) as last_assigned_day
    from days
    where period_start <= {{ as_of_date() }}
    group by rep_id, plan_id, period_type, period_start

),

months as (

    select
        rep_id,
        plan_id,
        period_start,
        count(month_target_amount) as months_with_target,
        sum(month_target_amount) as full_target_amount,
        sum(target_contribution) as target_contribution,
        bool_or(factor_rule = 'ramp') as has_ramp_months,
        string_agg(explanation, '; ' order by month_start) as month_explanations
    from {{ ref('int_commission_period_months') }}
    group by rep_id, plan_id, period_start

),

tier_full_targets as (

    -- plans paid to date (issue 18): the whole tier period's month targets before factors, so that a pay
    -- period's target incentive is its share of the tier period's
    select
        pm.rep_id, pm.plan_id, cast(date_trunc(plans.tier_period_type, pm.month_start) as date) as tier_period_start,
        sum(pm.month_target_amount) as tier_full_target_amount
    from {{ ref('int_commission_period_months') }} as pm
    inner join plans on plans.plan_id = pm.plan_id
    where plans.pays_to_date
    group by all

),

final as (

    select
        assigned.rep_id,
        assigned.plan_id,
        assigned.period_type,
        assigned.period_start,
        {{ period_end('assigned.period_type', 'assigned.period_start') }} as period_end,
        {{ period_label('assigned.period_type', 'assigned.period_start') }} as period_label,
        plans.measure,
        plans.tier_basis,
        plans.tier_method,
        plans.cap,
        assigned.assigned_days,
        {{ dbt.datediff('assigned.period_start', period_end('assigned.period_type', 'assigned.period_start'), 'day') }}
            + 1 as days_in_period,
        assigned.first_assigned_day,
        assigned.last_assigned_day,
        coalesce(months.has_ramp_months, false) as has_ramp_months,
        case when months.months_with_target > 0 then months.full_target_amount end as full_target_amount,
        case when months.months_with_target > 0 then {{ cents('months.target_contribution') }} end as target_amount,
        case when months.months_with_target > 0
             then months.month_explanations || ' = ' || {{ yuan(cents('months.target_contribution')) }}
             else 'no target for ' || {{ period_label('assigned.period_type', 'assigned.period_start') }}
        end as target_explanation,
        {{ period_status('assigned.period_start', period_end('assigned.period_type', 'assigned.period_start')) }}
            as period_status,
        -- issue 18 item 3: on-target variable pay, prorated like the target (full target = the months'
        -- targets without factors), so the on-target rate target_incentive / full target is the same for a
        -- whole, prorated or ramped period; NULL without target_incentive or without a positive target
        plans.target_incentive,
        -- issue 18 item 1: plans paid to date every pay period accumulate over their tier period
        plans.pays_to_date,
        plans.tier_period_type,
        cast(date_trunc(plans.tier_period_type, assigned.period_start) as date) as tier_period_start,
        case when plans.target_incentive is not null and months.months_with_target > 0
                  and coalesce(tier_full.tier_full_target_amount, months.full_target_amount) > 0
             then cast(plans.target_incentive as double)
                  / cast(coalesce(tier_full.tier_full_target_amount, months.full_target_amount) as double)
        end as on_target_rate,
        case when plans.target_incentive is not null and months.months_with_target > 0
                  and coalesce(tier_full.tier_full_target_amount, months.full_target_amount) > 0
             then {{ exact_amount(money_times('plans.target_incentive', cents('months.target_contribution'))
                                  ~ ' / coalesce(tier_full.tier_full_target_amount, months.full_target_amount)') }}
        end as period_target_incentive

    from assigned
    inner join plans on plans.plan_id = assigned.plan_id
    left join months
        on months.rep_id = assigned.rep_id
        and months.plan_id = assigned.plan_id
        and months.period_start = assigned.period_start
    left join tier_full_targets as tier_full
        on tier_full.rep_id = assigned.rep_id
        and tier_full.plan_id = assigned.plan_id
        and tier_full.tier_period_start = cast(date_trunc(plans.tier_period_type, assigned.period_start) as date)

)

select * from final
