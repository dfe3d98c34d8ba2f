-- Tier commission of every rep x plan x period, one line per tier band the measure reaches
-- (CONTRACT.md section 3 "marginal" / "retroactive"), grain: rep x plan x period x tier.
-- Bounds in CNY: tier_basis 'amount' uses them as written; 'attainment' multiplies them by the
-- period's target (month targets x factors, int_commission_periods). A value exactly on a bound belongs to the higher tier: tier k
-- covers [lower_k, upper_k).
--   marginal:    each band earns rate_k x (min(measure, upper_k) - lower_k) for the part of the measure
--                inside it (tax brackets); bands the measure does not reach have no line.
--   retroactive: the band holding the measure (the highest lower_k <= measure) earns rate_k x measure.
-- No line when the measure is <= 0, nor for attainment plans without a positive target (flagged by
-- the warn test on int_commission_period_measures). A `multiplier` tier (issue 18 item 3) pays
-- multiplier x target_incentive / full target (the on-target rate, int_commission_periods) instead of a rate. Amounts are exact (not rounded): the statement is
-- rounded once, its lines by the largest remainder (int_commission_lines_computed).

with

periods as (

    select * from {{ ref('int_commission_period_measures') }}
    where measure_amount > 0
      and (tier_basis = 'amount' or target_amount > 0)

),

tiers as (

    select * from {{ ref('stg_config__commission_tiers') }}

),

banded as (

    select
        periods.rep_id,
        periods.plan_id,
        periods.period_type,
        periods.period_start,
        periods.period_label,
        periods.tier_basis,
        periods.tier_method,
        periods.measure_amount,
        periods.target_amount,
        tiers.tier_no,
        tiers.tier_from,
        tiers.tier_to,
        -- issue 18 item 3: a multiplier tier pays multiplier x target_incentive / full target
        coalesce(tiers.rate, cast(tiers.multiplier * periods.on_target_rate as decimal(18, 10))) as rate,
        tiers.multiplier,
        periods.target_incentive,
        periods.full_target_amount,
        case when periods.tier_basis = 'attainment' then {{ money_times('tiers.tier_from', 'periods.target_amount') }}
             else tiers.tier_from end as lower_amount,
        case when periods.tier_basis = 'attainment' then {{ money_times('tiers.tier_to', 'periods.target_amount') }}
             else tiers.tier_to end as upper_amount
    from periods
    inner join tiers on tiers.plan_id = periods.plan_id

),

reached as (

    select
        *,
        -- the band holding the measure: lower bound inclusive, upper bound exclusive
        measure_amount >= lower_amount and (upper_amount is null or measure_amount < upper_amount) as holds_measure
    from banded
    where measure_amount >= lower_amount

),

final as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        tier_method,
        tier_no,
        rate,
        multiplier,
        cast(lower_amount as decimal(38, 10)) as lower_amount,
        cast(upper_amount as decimal(38, 10)) as upper_amount,
        cast(case tier_method
            when 'marginal' then least(measure_amount, coalesce(upper_amount, measure_amount)) - lower_amount
            else measure_amount
        end as decimal(38, 10)) as base_amount,
        case when multiplier is null
             then {{ exact_amount(money_times('rate', "case tier_method when 'marginal' then least(measure_amount, coalesce(upper_amount, measure_amount)) - lower_amount else measure_amount end")) }}
             -- one division, at the end: multiplier x target_incentive x base / full target
             else {{ exact_amount('cast(multiplier * ' ~ money_times('target_incentive', "case tier_method when 'marginal' then least(measure_amount, coalesce(upper_amount, measure_amount)) - lower_amount else measure_amount end") ~ ' as double) / cast(full_target_amount as double)') }}
        end as amount,
        period_label || ' '
            || case when tier_method = 'retroactive' then 'retroactive ' else '' end
            || 'tier ' || {{ tier_band_text('tier_basis', 'tier_from', 'tier_to') }}
            || ' at ' || {{ tier_rate_text('multiplier', 'rate', 'target_incentive', 'full_target_amount') }}
            || ' on '
            || {{ yuan_exact("case tier_method when 'marginal' then least(measure_amount, coalesce(upper_amount, measure_amount)) - lower_amount else measure_amount end") }}
            || case when tier_method = 'retroactive' then ' (whole measure: highest tier reached)' else '' end
            as explanation

    from reached
    where tier_method = 'marginal' or holds_measure

)

select * from final
