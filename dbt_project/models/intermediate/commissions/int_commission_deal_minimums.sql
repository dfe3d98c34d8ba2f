-- Minimum commission per deal (issue 18 item 4; docs/commissions.md "Minimum per deal"), grain: rep x plan x
-- period x order. A plan's `deal_minimum` is the least a deal (an order, all its lines credited to the rep in
-- the period) earns: when what the deal earned in its period (its per-deal lines, int_commission_deal_lines:
-- tier share + SPIF after the cap) is below it, a deal_minimum line pays the difference. Only deals with a
-- positive measure (net of the period's returns) qualify. Plans paid per period only (per-deal earnings of
-- plans paid to date are not computed). A clawback of the deal follows the calculated rate (what the deal
-- earned), never the minimum paid (Xactly's rule for guaranteed amounts; int_commission_clawbacks).
-- Exact: the statement is rounded once (int_commission_lines_computed).

with

plans as (

    select plan_id, deal_minimum from {{ ref('stg_config__commission_plans') }}
    where deal_minimum is not null

),

deals as (

    select
        lines.rep_id, lines.plan_id, lines.period_type, lines.period_start, lines.order_id,
        min(lines.order_date) as order_date,
        sum(lines.measure_amount) as measure_amount,
        sum(lines.earned_amount) as earned_amount
    from {{ ref('int_commission_deal_lines') }} as lines
    inner join plans on plans.plan_id = lines.plan_id
    group by lines.rep_id, lines.plan_id, lines.period_type, lines.period_start, lines.order_id

),

final as (

    select
        deals.rep_id,
        deals.plan_id,
        deals.period_type,
        deals.period_start,
        deals.order_id,
        deals.order_date,
        deals.measure_amount,
        deals.earned_amount,
        plans.deal_minimum,
        {{ exact_amount('plans.deal_minimum - deals.earned_amount') }} as amount
    from deals
    inner join plans on plans.plan_id = deals.plan_id
    where deals.measure_amount > 0 and deals.earned_amount < plans.deal_minimum

)

select * from final
