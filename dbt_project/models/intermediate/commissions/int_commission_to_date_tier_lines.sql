-- Tier commission of plans paid to date (issue 18 item 1; docs/commissions.md "Paid to date"), grain:
-- rep x plan x pay period x tier (tier_no 0: what earlier pay periods paid, or the advance).
-- A plan with `pay_period` shorter than its `period` (e.g. an annual quota paid monthly): at each pay period
-- the tiers are applied to the measure to date (the sum of the pay periods' measures since the start of the
-- tier period) against the whole tier period's target (its months' targets x factors, rounded to the cent
-- once), like int_commission_tier_lines. Then:
--   true_up pay_period: the pay period pays the bands to date less what the earlier pay periods of the tier
--     period paid (one line, tier_no 0): commission to date minus commission paid;
--   true_up period_end: before the settlement, an advance of advance_rate x the pay period's measure (tier_no
--     0); the settlement (the pay period holding the end of the tier period, or the last one the rep is on
--     the plan) pays the bands to date less the advances.
-- Exact (the statement is rounded once). Example: tiers 0-1,000 at 1%, 1,000-3,000 at 2%, 3,000+ at 3%;
-- January 1,500 -> 10 + 10 = 20; February 2,000 (to date 3,500) -> 10 + 40 + 15 = 65, less 20 paid = 45.

with

plans as (

    select * from {{ ref('stg_config__commission_plans') }}
    where pays_to_date

),

measures as (

    select m.*, plans.true_up, plans.advance_rate, plans.target_incentive as plan_target_incentive
    from {{ ref('int_commission_period_measures') }} as m
    inner join plans on plans.plan_id = m.plan_id

),

tier_targets as (

    -- the whole tier period's target: every month of it, also those after as_of
    select
        months.rep_id,
        months.plan_id,
        cast(date_trunc(plans.tier_period_type, months.month_start) as date) as tier_period_start,
        count(months.month_target_amount) as months_with_target,
        sum(months.month_target_amount) as full_target_amount,
        {{ cents('sum(months.target_contribution)') }} as target_amount
    from {{ ref('int_commission_period_months') }} as months
    inner join plans on plans.plan_id = months.plan_id
    group by all

),

last_days as (

    select rep_id, plan_id, tier_period_start, max(day) as last_assigned_day
    from {{ ref('int_commission_assignment_days') }}
    where plan_id in (select plan_id from plans)
    group by all

),

cuts as (

    select
        measures.*,
        sum(measures.measure_amount) over (
            partition by measures.rep_id, measures.plan_id, measures.tier_period_start
            order by measures.period_start rows between unbounded preceding and current row
        ) as measure_to_date
    from measures

),

targeted as (

    select
        cuts.*,
        case when tier_targets.months_with_target > 0 then tier_targets.target_amount end as tier_target_amount,
        case when tier_targets.months_with_target > 0 then tier_targets.full_target_amount end as tier_full_target_amount,
        {{ period_label('cuts.tier_period_type', 'cuts.tier_period_start') }} as tier_period_label,
        -- the settlement of a true_up period_end plan: the pay period holding the end of the tier period, or
        -- the rep's last day on the plan within it
        cuts.period_start = cast(date_trunc(cuts.period_type, least(
            last_days.last_assigned_day,
            {{ period_end('cuts.tier_period_type', 'cuts.tier_period_start') }})) as date) as is_settlement
    from cuts
    left join tier_targets
        on tier_targets.rep_id = cuts.rep_id and tier_targets.plan_id = cuts.plan_id
        and tier_targets.tier_period_start = cuts.tier_period_start
    left join last_days
        on last_days.rep_id = cuts.rep_id and last_days.plan_id = cuts.plan_id
        and last_days.tier_period_start = cuts.tier_period_start

),

banded as (

    select
        targeted.*,
        tiers.tier_no,
        tiers.tier_from,
        tiers.tier_to,
        tiers.multiplier,
        coalesce(tiers.rate, cast(tiers.multiplier * cast(targeted.plan_target_incentive as double)
                                  / cast(targeted.tier_full_target_amount as double) as decimal(18, 10))) as rate,
        case when targeted.tier_basis = 'attainment' then {{ money_times('tiers.tier_from', 'targeted.tier_target_amount') }}
             else tiers.tier_from end as lower_amount,
        case when targeted.tier_basis = 'attainment' then {{ money_times('tiers.tier_to', 'targeted.tier_target_amount') }}
             else tiers.tier_to end as upper_amount
    from targeted
    inner join {{ ref('stg_config__commission_tiers') }} as tiers on tiers.plan_id = targeted.plan_id
    where targeted.measure_to_date > 0
      and (targeted.tier_basis = 'amount' or targeted.tier_target_amount > 0)

),

bands as (

    select
        *,
        cast(case tier_method
            when 'marginal' then least(measure_to_date, coalesce(upper_amount, measure_to_date)) - lower_amount
            else measure_to_date
        end as decimal(38, 10)) as base_amount
    from banded
    where measure_to_date >= lower_amount
      and (tier_method = 'marginal' or upper_amount is null or measure_to_date < upper_amount)

),

band_amounts as (

    select
        *,
        case when multiplier is null then {{ exact_amount(money_times('rate', 'base_amount')) }}
             else {{ exact_amount('cast(multiplier * ' ~ money_times('plan_target_incentive', 'base_amount')
                                  ~ ' as double) / cast(tier_full_target_amount as double)') }}
        end as amount
    from bands

),

to_date as (

    -- commission to date of every cut (0 when the measure to date earns nothing)
    select
        targeted.rep_id, targeted.plan_id, targeted.period_start, targeted.tier_period_start, targeted.true_up,
        targeted.is_settlement,
        {{ exact_amount('coalesce(sum(band_amounts.amount), 0)') }} as commission_to_date,
        {{ exact_amount(money_times('targeted.advance_rate', 'targeted.measure_amount')) }} as advance_amount
    from targeted
    left join band_amounts
        on band_amounts.rep_id = targeted.rep_id and band_amounts.plan_id = targeted.plan_id
        and band_amounts.period_start = targeted.period_start
    group by all

),

paid_before as (

    select
        *,
        -- true_up pay_period: earlier pay periods paid the commission to date of the previous cut
        coalesce(lag(commission_to_date) over (
            partition by rep_id, plan_id, tier_period_start order by period_start), 0) as paid_to_date_before,
        -- true_up period_end: earlier pay periods paid advances
        coalesce(sum(case when is_settlement then 0 else advance_amount end) over (
            partition by rep_id, plan_id, tier_period_start order by period_start
            rows between unbounded preceding and 1 preceding), 0) as advances_before
    from to_date

),

band_lines as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, tier_no, rate, multiplier,
        cast(lower_amount as decimal(38, 10)) as lower_amount,
        cast(upper_amount as decimal(38, 10)) as upper_amount,
        base_amount,
        amount,
        tier_period_label || ' to date (' || period_label || ') '
            || case when tier_method = 'retroactive' then 'retroactive ' else '' end
            || 'tier ' || {{ tier_band_text('tier_basis', 'tier_from', 'tier_to') }}
            || ' at ' || {{ tier_rate_text('multiplier', 'rate', 'plan_target_incentive', 'tier_full_target_amount') }}
            || ' on ' || {{ yuan_exact('base_amount') }}
            as explanation
    from band_amounts
    where true_up = 'pay_period' or is_settlement

),

balance_lines as (

    select
        t.rep_id, t.plan_id, t.period_type, t.period_start, t.tier_method,
        0 as tier_no,
        case when p.true_up = 'period_end' and not p.is_settlement then t.advance_rate end as rate,
        cast(null as decimal(9, 6)) as multiplier,
        cast(null as decimal(38, 10)) as lower_amount,
        cast(null as decimal(38, 10)) as upper_amount,
        case when p.true_up = 'period_end' and not p.is_settlement then t.measure_amount end as base_amount,
        {{ exact_amount("case when p.true_up = 'pay_period' then -p.paid_to_date_before
                             when p.is_settlement then -p.advances_before
                             else p.advance_amount end") }} as amount,
        case when p.true_up = 'pay_period'
                 then 'less ' || t.tier_period_label || ' tier commission to date paid before ' || t.period_label
             when p.is_settlement
                 then 'less ' || t.tier_period_label || ' advances paid before ' || t.period_label
             else 'advance ' || t.period_label || ': ' || {{ pct_text('t.advance_rate') }} || ' on '
                  || {{ yuan_exact('t.measure_amount') }} || ' (settled at the end of ' || t.tier_period_label || ')'
        end as explanation
    from paid_before as p
    inner join targeted as t
        on t.rep_id = p.rep_id and t.plan_id = p.plan_id and t.period_start = p.period_start
    where (p.true_up = 'pay_period' and p.paid_to_date_before <> 0)
       or (p.true_up = 'period_end' and p.is_settlement and p.advances_before <> 0)
       or (p.true_up = 'period_end' and not p.is_settlement and p.advance_amount <> 0)

),

final as (

    select * from band_lines
    union all
    select * from balance_lines

)

select * from final
