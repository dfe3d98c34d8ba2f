-- Clawbacks (CONTRACT.md section 3 "Clawback"), grain: return x order line x credited rep.
-- A return recorded in a later plan period than its order, at most clawback_days after the order date
-- (clawback_days > 0), yields a negative line in the return's period of the same plan:
--   clawback = -(returned / line credit) x commission the line earned
-- where the line credit is the rep's credit on the line net of returns already deducted in the order's
-- period, and the line earned, in the order's period,
--   tier_commission x line measure / period measure  (its pro rata share of the tier commission)
--   + the SPIF paid on the line, both scaled by the period's earned_factor (what the cap let through).
-- The original period's measure and attainment are untouched. Only sales measures (net_sales,
-- gross_margin) claw back; a collected plan has no returns in its measure (refunds are not payments).
-- Exact (the statement is rounded once, int_commission_lines_computed); a line never gives back more than
-- it earned.

with

returns as (

    select * from {{ ref('int_returns_credited') }}

),

lines as (

    select * from {{ ref('int_commission_measure_lines') }}
    where measure in ('net_sales', 'gross_margin')

),

plans as (

    select plan_id, clawback_days from {{ ref('stg_config__commission_plans') }}
    where clawback_days > 0

),

results as (

    select * from {{ ref('int_commission_period_results') }}

),

line_spif as (

    select rep_id, plan_id, period_start, order_id, line_no, sum(amount) as spif_amount
    from {{ ref('int_commission_spif_lines') }}
    group by all

),

matched as (

    select
        returns.return_id,
        returns.return_date,
        returns.credited_returned_amount as returned_amount,
        lines.rep_id,
        lines.plan_id,
        lines.period_type,
        lines.period_start as earned_period_start,
        cast(date_trunc(lines.period_type, returns.return_date) as date) as period_start,
        lines.order_id,
        lines.line_no,
        lines.order_date,
        lines.credited_amount - lines.same_period_returned_amount as line_credit_amount,
        lines.measure_amount as line_measure_amount,
        plans.clawback_days
    from returns
    inner join lines
        on lines.order_id = returns.order_id
        and lines.line_no = returns.line_no
        and lines.rep_id = returns.rep_id
    inner join plans on plans.plan_id = lines.plan_id
    where cast(date_trunc(lines.period_type, returns.return_date) as date) > lines.period_start
      and datediff('day', lines.order_date, returns.return_date) <= plans.clawback_days

),

earned as (

    select
        matched.*,
        results.period_label as earned_period_label,
        cast((case when results.measure_amount > 0
                   then cast(coalesce(results.earned_tier_commission, results.tier_commission) as double)
                        * matched.line_measure_amount / results.measure_amount
                   else 0 end
              + coalesce(line_spif.spif_amount, 0)) * results.earned_factor as decimal(38, 10))
            as line_earned_amount
    from matched
    inner join results
        on results.rep_id = matched.rep_id
        and results.plan_id = matched.plan_id
        and results.period_start = matched.earned_period_start
    left join line_spif
        on line_spif.rep_id = matched.rep_id
        and line_spif.plan_id = matched.plan_id
        and line_spif.period_start = matched.earned_period_start
        and line_spif.order_id = matched.order_id
        and line_spif.line_no = matched.line_no

),

final as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        earned_period_start,
        return_id,
        return_date,
        order_id,
        line_no,
        returned_amount,
        line_credit_amount,
        line_earned_amount,
        -{{ exact_amount('cast(least(returned_amount, line_credit_amount) as double) * line_earned_amount / line_credit_amount') }}
            as amount,
        'clawback of ' || earned_period_label || ' commission: return ' || return_id || ' on '
            || strftime(return_date, '%Y-%m-%d') || ' (' || datediff('day', order_date, return_date)
            || ' days after the order, limit ' || clawback_days || ') of ' || {{ yuan('returned_amount') }}
            || ' of ' || {{ yuan('line_credit_amount') }} || ' credited on order ' || order_id || ' line '
            || line_no || ', which earned ' || {{ yuan('line_earned_amount') }} as explanation

    from earned
    where line_credit_amount > 0 and line_earned_amount > 0

)

select * from final
