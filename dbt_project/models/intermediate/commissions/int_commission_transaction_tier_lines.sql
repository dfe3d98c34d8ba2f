-- Per-transaction tier pricing (issue 18 item 5; Oracle Incentive Compensation's "transactions processed
-- individually" against the rate table), grain: rep x plan x period x order line, for plans with
-- `tier_scope: transaction`: every deal (its measure line: credit less same-period returns) is priced alone
-- from the first tier, marginally (each band its rate on the part of the deal inside it) or retroactively (the
-- whole deal at the rate of the band holding it). Bounds as for period tiers (attainment bounds x the period's
-- target). A value exactly on a bound belongs to the higher tier. Exact; the statement is rounded once.

with

plans as (

    select plan_id from {{ ref('stg_config__commission_plans') }} where tier_scope = 'transaction'

),

deals as (

    select
        lines.rep_id, lines.plan_id, lines.period_type, lines.period_start, lines.order_id, lines.line_no,
        lines.measure_amount,
        periods.period_label, periods.tier_basis, periods.tier_method, periods.target_amount
    from {{ ref('int_commission_measure_lines') }} as lines
    inner join plans on plans.plan_id = lines.plan_id
    inner join {{ ref('int_commission_periods') }} as periods
        on periods.rep_id = lines.rep_id and periods.plan_id = lines.plan_id
        and periods.period_start = lines.period_start
    where lines.measure_amount > 0
      and (periods.tier_basis = 'amount' or periods.target_amount > 0)

),

banded as (

    select
        deals.*,
        tiers.tier_no, tiers.tier_from, tiers.tier_to, tiers.rate,
        case when deals.tier_basis = 'attainment' then {{ money_times('tiers.tier_from', 'deals.target_amount') }}
             else tiers.tier_from end as lower_amount,
        case when deals.tier_basis = 'attainment' then {{ money_times('tiers.tier_to', 'deals.target_amount') }}
             else tiers.tier_to end as upper_amount
    from deals
    inner join {{ ref('stg_config__commission_tiers') }} as tiers on tiers.plan_id = deals.plan_id

),

bands as (

    select
        *,
        cast(case tier_method
            when 'marginal' then least(measure_amount, coalesce(upper_amount, measure_amount)) - lower_amount
            else measure_amount end as decimal(38, 10)) as base_amount
    from banded
    where measure_amount >= lower_amount
      and (tier_method = 'marginal' or upper_amount is null or measure_amount < upper_amount)

),

final as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, order_id, line_no,
        0 as tier_no,
        cast(null as decimal(18, 10)) as rate,
        cast(null as decimal(9, 6)) as multiplier,
        cast(null as decimal(38, 10)) as lower_amount,
        cast(null as decimal(38, 10)) as upper_amount,
        cast(max(measure_amount) as decimal(38, 10)) as base_amount,
        {{ exact_amount('sum(' ~ money_times('rate', 'base_amount') ~ ')') }} as amount,
        period_label || ' deal ' || order_id || '/' || line_no || ' of ' || {{ yuan_exact('max(measure_amount)') }}
            || ' priced alone: '
            || string_agg({{ yuan_exact('base_amount') }} || ' at ' || {{ pct_text('rate') }}, ' + ' order by tier_no)
            as explanation
    from bands
    group by rep_id, plan_id, period_type, period_start, period_label, tier_method, order_id, line_no

)

select * from final
