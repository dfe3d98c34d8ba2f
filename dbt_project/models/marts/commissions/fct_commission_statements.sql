-- Commission statements (CONTRACT.md section 4), grain: rep x plan x plan period.
-- Every amount is the sum of the statement's lines in fct_commission_lines by line_type, so
-- payable = tier_commission + spif - cap_reduction + override + clawback + adjustments + restatement
--   + draw - draw_recovery + deal_minimum (issue 18)
-- equals the sum of the lines to the cent. Closed statements (frozen by `salesperf close-period`) keep
-- their frozen measure and target and are `final`; all others are `provisional`.
-- A statement exists for every period a plan is assigned (up to the as-of date) and for every period
-- that only holds lines (a clawback, override, adjustment or restatement). effective_rate = (tier_commission +
-- spif - cap_reduction) / measure_amount (issue 18 item 8).

with

lines as (

    select * from {{ ref('fct_commission_lines') }}

),

line_sums as (

    select
        rep_id, plan_id, period_type, period_start,
        sum(amount) filter (where line_type = 'tier') as tier_commission,
        sum(amount) filter (where line_type = 'spif') as spif,
        -sum(amount) filter (where line_type = 'cap') as cap_reduction,
        sum(amount) filter (where line_type = 'override') as override,
        sum(amount) filter (where line_type = 'clawback') as clawback,
        sum(amount) filter (where line_type = 'adjustment') as adjustments,
        sum(amount) filter (where line_type = 'restatement') as restatement,
        sum(amount) filter (where line_type = 'draw') as draw,
        -sum(amount) filter (where line_type = 'draw_recovery') as draw_recovery,
        sum(amount) filter (where line_type = 'deal_minimum') as deal_minimum,
        sum(amount) as payable,
        count(*) as line_count
    from lines
    group by all

),

measures as (

    select * from {{ ref('int_commission_period_measures') }}

),

closed as (

    select * from {{ ref('stg_ledger__closed_statements') }}

),

plans as (

    select plan_id, measure, parent_plan_id, component_id, component_weight
    from {{ ref('stg_config__commission_plans') }}

),

hire_notes as (

    -- optional reps.hire_date (docs/contract.md section 2): without one, ramp and target proration start
    -- at the rep's first plan assignment, and the statement says so
    select
        reps.rep_id,
        'hire date not in the reps export: ramp and target proration start at the first plan assignment ('
            || cast(min(days.day) as varchar) || ')' as note
    from {{ ref('stg_raw__reps') }} as reps
    inner join {{ ref('int_commission_assignment_days') }} as days on days.rep_id = reps.rep_id
    where reps.hire_date_is_missing
    group by reps.rep_id

),

keys as (

    select rep_id, plan_id, period_type, period_start from measures
    union
    select rep_id, plan_id, period_type, period_start from line_sums
    union
    select rep_id, plan_id, period_type, period_start from closed

),

stated as (

    select
        keys.rep_id,
        keys.plan_id,
        -- issue 18 item 2: the plan a component belongs to (a plain plan: itself), the component and its weight;
        -- a plan with components pays the sum of its components' statements
        coalesce(plans.parent_plan_id, keys.plan_id) as parent_plan_id,
        plans.component_id,
        plans.component_weight,
        keys.period_type,
        keys.period_start,
        {{ period_end('keys.period_type', 'keys.period_start') }} as period_end,
        {{ period_label('keys.period_type', 'keys.period_start') }} as period_label,
        coalesce(closed.measure, measures.measure, plans.measure) as measure,
        cast(case when closed.rep_id is not null then closed.measure_amount
                  else coalesce(measures.measure_amount, 0) end as decimal(18, 2)) as measure_amount,
        cast(case when closed.rep_id is not null then closed.target_amount
                  else measures.target_amount end as decimal(18, 2)) as target_amount,
        case when closed.rep_id is not null then closed.attainment_pct else measures.attainment_pct end
            as attainment_pct,
        case when closed.rep_id is not null and closed.target_amount is distinct from measures.target_amount
             then 'frozen at close: ' || coalesce({{ yuan('closed.target_amount') }}, 'no target')
                  || '; recomputed today: ' || coalesce(measures.target_explanation, 'no plan period')
             else measures.target_explanation
        end as target_explanation,
        -- issue 18 item 3: on-target variable pay of the period (prorated like the target); today's config
        {{ cents('measures.period_target_incentive') }} as target_incentive,
        cast(coalesce(line_sums.tier_commission, 0) as decimal(18, 2)) as tier_commission,
        cast(coalesce(line_sums.spif, 0) as decimal(18, 2)) as spif,
        cast(coalesce(line_sums.cap_reduction, 0) as decimal(18, 2)) as cap_reduction,
        cast(coalesce(line_sums.override, 0) as decimal(18, 2)) as override,
        cast(coalesce(line_sums.clawback, 0) as decimal(18, 2)) as clawback,
        cast(coalesce(line_sums.adjustments, 0) as decimal(18, 2)) as adjustments,
        cast(coalesce(line_sums.restatement, 0) as decimal(18, 2)) as restatement,
        -- issue 18 item 4: draws paid, draws recovered, and the balance still due from the rep (today's)
        cast(coalesce(line_sums.draw, 0) as decimal(18, 2)) as draw,
        cast(coalesce(line_sums.draw_recovery, 0) as decimal(18, 2)) as draw_recovery,
        {{ cents('draws.balance_after') }} as draw_balance,
        -- issue 18 item 4: deals topped up to the plan's deal_minimum
        cast(coalesce(line_sums.deal_minimum, 0) as decimal(18, 2)) as deal_minimum,
        cast(coalesce(line_sums.payable, 0) as decimal(18, 2)) as payable,
        coalesce(line_sums.line_count, 0) as line_count,
        case when closed.rep_id is not null then 'final' else 'provisional' end as statement_status,
        closed.closed_at,
        {{ period_status('keys.period_start', period_end('keys.period_type', 'keys.period_start')) }}
            as period_status,
        hire_notes.note

    from keys
    left join line_sums using (rep_id, plan_id, period_start)
    left join measures using (rep_id, plan_id, period_start)
    left join closed using (rep_id, plan_id, period_start)
    left join plans on plans.plan_id = keys.plan_id
    left join hire_notes on hire_notes.rep_id = keys.rep_id
    left join {{ ref('int_commission_draws') }} as draws
        on draws.rep_id = keys.rep_id and draws.plan_id = keys.plan_id and draws.period_start = keys.period_start

),

final as (

    -- issue 18 item 8: the blended effective rate of the period's own commission (tier + SPIF - cap) on its
    -- measure, from the statement's cents; NULL when the measure is not positive
    select
        stated.*,
        case when measure_amount > 0
             then cast(tier_commission + spif - cap_reduction as double) / cast(measure_amount as double)
        end as effective_rate
    from stated

)

select * from final
