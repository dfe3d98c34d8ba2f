-- What each deal earned (issue 18 item 5; docs/commissions.md "Per-deal lines"), grain: rep x plan x period x
-- order line of the period's measure, for plans paid per period (not to date). The period's tier commission
-- is shared among its measure lines by the plan's `deal_allocation`:
--   pro_rata (default): tier_commission x line measure / period measure (the blended rate);
--   sequence: deals in order (order date, order, line) fill the marginal bands one after the other: a deal
--     earns F(measure to date after it) - F(measure to date before it), F = the marginal tier commission of an
--     amount; the shares telescope to the period's tier commission exactly (retroactive plans pay one rate:
--     sequence is pro rata);
--   tier_scope transaction: the deal's own tier line (int_commission_transaction_tier_lines).
-- Plus the deal's SPIF; both scaled by the period's earned_factor (what the cap let through), so the exact
-- shares add up to tier_commission + spif - cap_reduction. fct_commission_deal_lines rounds them to cents.

with

plans as (

    select plan_id, deal_allocation, tier_scope
    from {{ ref('stg_config__commission_plans') }}
    where not pays_to_date

),

lines as (

    select lines.*, plans.deal_allocation, plans.tier_scope
    from {{ ref('int_commission_measure_lines') }} as lines
    inner join plans on plans.plan_id = lines.plan_id

),

results as (

    select * from {{ ref('int_commission_period_results') }}

),

sequenced as (

    select
        lines.*,
        sum(lines.measure_amount) over (
            partition by lines.rep_id, lines.plan_id, lines.period_start
            order by lines.order_date, lines.order_id, lines.line_no
            rows between unbounded preceding and current row) as measure_after
    from lines

),

bands as (

    select rep_id, plan_id, period_start, rate, lower_amount, upper_amount
    from {{ ref('int_commission_tier_lines') }}
    where tier_method = 'marginal'

),

sequence_shares as (

    -- F(c) = sum over bands of rate x (min(c, upper) - lower) for the part of [lower, upper) below c
    select
        s.rep_id, s.plan_id, s.period_start, s.order_id, s.line_no,
        sum(bands.rate * (greatest(bands.lower_amount, least(s.measure_after, coalesce(bands.upper_amount, s.measure_after)))
                          - greatest(bands.lower_amount, least(s.measure_after - s.measure_amount,
                                                               coalesce(bands.upper_amount, s.measure_after - s.measure_amount)))))
            as tier_share
    from sequenced as s
    inner join bands
        on bands.rep_id = s.rep_id and bands.plan_id = s.plan_id and bands.period_start = s.period_start
    where s.deal_allocation = 'sequence' and s.tier_scope = 'period'
    group by all

),

transaction_shares as (

    select rep_id, plan_id, period_start, order_id, line_no, amount as tier_share
    from {{ ref('int_commission_transaction_tier_lines') }}

),

spifs as (

    select rep_id, plan_id, period_start, order_id, line_no, sum(amount) as spif_amount
    from {{ ref('int_commission_spif_lines') }}
    group by all

),

shared as (

    select
        s.rep_id, s.plan_id, s.period_type, s.period_start, s.order_id, s.line_no, s.order_date,
        s.measure_amount,
        case when s.tier_scope = 'transaction' then 'transaction'
             when s.deal_allocation = 'sequence' and r.tier_method = 'marginal' then 'sequence'
             else 'pro_rata' end as allocation,
        case when s.tier_scope = 'transaction' then coalesce(t.tier_share, 0)
             when s.deal_allocation = 'sequence' and r.tier_method = 'marginal' then coalesce(q.tier_share, 0)
             when r.measure_amount > 0
                 then cast(r.tier_commission as double) * cast(s.measure_amount as double) / cast(r.measure_amount as double)
             else 0 end as tier_share,
        coalesce(p.spif_amount, 0) as spif_amount,
        r.earned_factor
    from sequenced as s
    inner join results as r
        on r.rep_id = s.rep_id and r.plan_id = s.plan_id and r.period_start = s.period_start
    left join sequence_shares as q
        on q.rep_id = s.rep_id and q.plan_id = s.plan_id and q.period_start = s.period_start
        and q.order_id = s.order_id and q.line_no = s.line_no
    left join transaction_shares as t
        on t.rep_id = s.rep_id and t.plan_id = s.plan_id and t.period_start = s.period_start
        and t.order_id = s.order_id and t.line_no = s.line_no
    left join spifs as p
        on p.rep_id = s.rep_id and p.plan_id = s.plan_id and p.period_start = s.period_start
        and p.order_id = s.order_id and p.line_no = s.line_no

),

final as (

    select
        rep_id, plan_id, period_type, period_start, order_id, line_no, order_date, measure_amount, allocation,
        {{ exact_amount('tier_share') }} as tier_share,
        {{ exact_amount('spif_amount') }} as spif_amount,
        earned_factor,
        {{ exact_amount('(cast(tier_share as double) + cast(spif_amount as double)) * cast(earned_factor as double)') }}
            as earned_amount
    from shared

)

select * from final
