-- Plan periods of each rep with the target that applies (CONTRACT.md section 3 "Target"),
-- grain: rep x plan x period. A period exists when the plan is assigned to the rep on at least one of
-- its days and it starts on or before the as-of date.
-- target_amount = the rep's target for the period (manual, else suggested; fct_targets level 'rep' at
-- the plan's period type) x sum over the period's days assigned to this plan of the day's ramp factor
-- / days in the period. So an assignment covering part of the period gets the target prorated by days,
-- and a ramp month counts at its factor (hire 2025-01-10, ramp [0.25, 0.5, 0.75], Q1 target 90,000:
-- (31 x 0.25 + 28 x 0.5 + 31 x 0.75) / 90 x 90,000 = 45,000).

with

days as (

    select * from {{ ref('int_commission_assignment_days') }}

),

plans as (

    select * from {{ ref('stg_config__commission_plans') }}

),

targets as (

    select period_type, period_start, key as rep_id, target_amount
    from {{ ref('fct_targets') }}
    where level = 'rep'
    -- a manual target wins over a suggested one
    qualify row_number() over (
        partition by period_type, period_start, key
        order by case source when 'manual' then 1 else 2 end
    ) = 1

),

assigned as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        count(*) as assigned_days,
        sum(ramp_factor) as weighted_days,
        min(day) as first_assigned_day,
        max(day) as last_assigned_day,
        bool_or(ramp_factor < 1) as has_ramp_days
    from days
    group by all

),

spans as (

    select
        assigned.*,
        {{ period_end('assigned.period_type', 'assigned.period_start') }} as period_end
    from assigned
    where assigned.period_start <= {{ as_of_date() }}

),

final as (

    select
        spans.rep_id,
        spans.plan_id,
        spans.period_type,
        spans.period_start,
        spans.period_end,
        {{ period_label('spans.period_type', 'spans.period_start') }} as period_label,
        plans.measure,
        plans.tier_basis,
        plans.tier_method,
        plans.cap,
        spans.assigned_days,
        datediff('day', spans.period_start, spans.period_end) + 1 as days_in_period,
        spans.weighted_days,
        spans.first_assigned_day,
        spans.last_assigned_day,
        spans.has_ramp_days,
        targets.target_amount as full_target_amount,
        {{ cents("targets.target_amount * spans.weighted_days / (datediff('day', spans.period_start, spans.period_end) + 1)") }}
            as target_amount,
        {{ period_status('spans.period_start', 'spans.period_end') }} as period_status

    from spans
    inner join plans on plans.plan_id = spans.plan_id
    left join targets
        on targets.rep_id = spans.rep_id
        and targets.period_type = spans.period_type
        and targets.period_start = spans.period_start

)

select * from final
