-- Every commission line as computed from today's data, before period closing is applied
-- (fct_commission_lines replaces the lines of closed statements with the frozen ones).
-- Grain: one row per line_id. Line types: tier, spif, cap (the cap reduction, negative), clawback,
-- override, adjustment, draw, draw_recovery (negative; issue 18), deal_minimum (issue 18 item 4).
-- Rounding, once (docs/commissions.md "Rounding"): the lines arrive exact (unrounded_amount); a statement's
-- total is their sum rounded half-up to the cent, and each line gets the floor of its cents plus one cent
-- for the lines with the largest remainders until the lines add up to that total exactly
-- (cents_by_largest_remainder; ties by line_id).

with

tiers as (

    select
        rep_id, plan_id, period_type, period_start, 'tier' as line_type,
        order_id, line_no,  -- a deal's tier line of a tier_scope transaction plan (issue 18); NULL otherwise
        'tier:' || tier_no as source_id, cast(null as varchar) as source_rep_id,
        amount, explanation
    from {{ ref('int_commission_tier_lines_paid') }}  -- issue 18: plans paid to date included

),

spifs as (

    select
        rep_id, plan_id, period_type, period_start, 'spif' as line_type,
        order_id, line_no, 'spif:' || spif_no as source_id, cast(null as varchar) as source_rep_id,
        amount, explanation
    from {{ ref('int_commission_spif_lines') }}

),

caps as (

    select
        rep_id, plan_id, period_type, period_start, 'cap' as line_type,
        cast(null as varchar) as order_id, cast(null as integer) as line_no,
        'cap' as source_id, cast(null as varchar) as source_rep_id,
        -cap_reduction as amount,
        period_label || ' cap ' || {{ yuan('cap') }} || ': tier ' || {{ yuan('tier_commission') }} || ' + SPIF '
            || {{ yuan('spif') }} || ' = ' || {{ yuan('tier_commission + spif') }} || ', excess '
            || {{ yuan('cap_reduction') }} || ' not paid' as explanation
    from {{ ref('int_commission_period_results') }}
    where cap_reduction > 0

),

clawbacks as (

    select
        rep_id, plan_id, period_type, period_start, 'clawback' as line_type,
        order_id, line_no, source_id, cast(null as varchar) as source_rep_id,  -- return:, cancellation:, exit:
        amount, explanation
    from {{ ref('int_commission_clawbacks') }}

),

overrides as (

    select
        rep_id, plan_id, period_type, period_start, 'override' as line_type,
        cast(null as varchar) as order_id, cast(null as integer) as line_no,
        'override:' || source_plan_id || ':' || strftime(source_period_start, '%Y-%m-%d') as source_id,
        source_rep_id, amount, explanation
    from {{ ref('int_commission_overrides') }}

),

adjustments as (

    select
        rep_id, plan_id, period_type, period_start, 'adjustment' as line_type,
        cast(null as varchar) as order_id, cast(null as integer) as line_no,
        'adjustment:' || source_id as source_id, cast(null as varchar) as source_rep_id,
        amount, explanation
    from {{ ref('int_commission_adjustments') }}

),

draws as (

    -- issue 18 item 4: a draw (or guaranteed minimum) paid, and earlier draws recovered
    select
        rep_id, plan_id, period_type, period_start, 'draw' as line_type,
        cast(null as varchar) as order_id, cast(null as integer) as line_no,
        'draw' as source_id, cast(null as varchar) as source_rep_id,
        draw as amount,
        period_label || case when draw_recoverable then ' recoverable draw: ' else ' guaranteed minimum: ' end
            || {{ yuan('draw_amount') }} || ' less earned ' || {{ yuan('earnings') }} || ' = ' || {{ yuan('draw') }}
            || case when draw_recoverable then ', balance due ' || {{ yuan('balance_after') }} else '' end
            as explanation
    from {{ ref('int_commission_draws') }}
    where draw <> 0
    union all
    select
        rep_id, plan_id, period_type, period_start, 'draw_recovery' as line_type,
        cast(null as varchar) as order_id, cast(null as integer) as line_no,
        'draw_recovery' as source_id, cast(null as varchar) as source_rep_id,
        -recovery as amount,
        period_label || ' recovery of draws: ' || {{ yuan('recovery') }} || ' of earnings '
            || {{ yuan('earnings') }}
            || case when draw_in_effect then ' above the minimum ' || {{ yuan('draw_amount') }} else '' end
            || ', balance due ' || {{ yuan('balance_after + recovery') }} || ' -> ' || {{ yuan('balance_after') }}
            as explanation
    from {{ ref('int_commission_draws') }}
    where recovery <> 0

),

deal_minimums as (

    -- issue 18 item 4: a deal (order) topped up to the plan's deal_minimum
    select
        rep_id, plan_id, period_type, period_start, 'deal_minimum' as line_type,
        order_id, cast(null as integer) as line_no, 'deal_minimum' as source_id, cast(null as varchar) as source_rep_id,
        amount,
        {{ period_label('period_type', 'period_start') }} || ' deal minimum on order ' || order_id || ': '
            || {{ yuan('deal_minimum') }} || ' less earned ' || {{ yuan_exact('earned_amount') }} || ' = '
            || {{ yuan_exact('amount') }} as explanation
    from {{ ref('int_commission_deal_minimums') }}

),

unioned as (

    select * from tiers
    union all select * from spifs
    union all select * from caps
    union all select * from clawbacks
    union all select * from overrides
    union all select * from adjustments
    union all select * from draws
    union all select * from deal_minimums

),

keyed as (

    select
        rep_id || '|' || plan_id || '|' || strftime(period_start, '%Y-%m-%d') || '|' || line_type || '|'
            || coalesce(order_id, '') || '|' || coalesce(cast(line_no as varchar), '') || '|' || source_id
            || coalesce('|' || source_rep_id, '') as line_id,
        unioned.*,
        {{ exact_amount('amount') }} as unrounded_amount
    from unioned

),

rounded as (

    {{ cents_by_largest_remainder('keyed', 'rep_id, plan_id, period_start', 'unrounded_amount', 'line_id') }}

),

final as (

    select
        line_id,
        rep_id,
        plan_id,
        period_type,
        period_start,
        line_type,
        order_id,
        line_no,
        source_id,
        source_rep_id,
        cast(null as date) as restates_period_start,
        rounded_amount as amount,
        unrounded_amount,
        explanation
    from rounded

)

select * from final
