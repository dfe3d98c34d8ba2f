-- Clawbacks (CONTRACT.md section 3 "Clawback"; docs/commissions.md "Cancellations and exits"), grain: event x
-- order line x credited rep. Three events give back commission a line earned in an earlier period:
--   return:       a return recorded in a later plan period than its order, at most clawback_days after the
--                 order date (clawback_days > 0): -(returned / line credit) x what the line earned;
--   cancellation: (issue 18 item 7) an order line cancelled (cancelled_date) in a later plan period than its
--                 order, within clawback_days: the whole line, -(what the line earned). The line keeps its
--                 credit in the period it was sold in (int_commission_measure_lines), so a paid period is not
--                 restated; the clawback is booked in the cancellation's period;
--   exit:         (issue 18 item 7) a plan's exit_clawback {days: N, share: s}: a rep whose termination_date
--                 is on or before as_of gives back s x what each line ordered in the N days ending on the
--                 termination date earned, net of what returns and cancellations already took back from it;
--                 booked in the plan period holding the termination date.
-- A line earned, in its period, tier_commission x line measure / period measure (its pro rata share of the
-- tier commission) + the SPIF paid on the line, both scaled by the period's earned_factor (what the cap let
-- through); the line credit is the rep's credit on the line net of returns in the order's own period.
-- The original period's measure and attainment are untouched. Only sales measures (net_sales, gross_margin)
-- claw back; a collected plan has no returns or cancellations in its measure (refunds are not payments).
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

    select plan_id, clawback_days, exit_clawback_days, exit_clawback_share
    from {{ ref('stg_config__commission_plans') }}

),

results as (

    select * from {{ ref('int_commission_period_results') }}

),

line_spif as (

    select rep_id, plan_id, period_start, order_id, line_no, sum(amount) as spif_amount
    from {{ ref('int_commission_spif_lines') }}
    group by all

),

line_earnings as (

    select
        lines.rep_id,
        lines.plan_id,
        lines.period_type,
        lines.period_start as earned_period_start,
        lines.order_id,
        lines.line_no,
        lines.order_date,
        lines.cancelled_date,
        lines.credited_amount - lines.same_period_returned_amount as line_credit_amount,
        results.period_label as earned_period_label,
        cast((case when results.measure_amount > 0
                   then cast(coalesce(results.earned_tier_commission, results.tier_commission) as double)
                        * lines.measure_amount / results.measure_amount
                   else 0 end
              + coalesce(line_spif.spif_amount, 0)) * results.earned_factor as decimal(38, 10))
            as line_earned_amount
    from lines
    inner join results
        on results.rep_id = lines.rep_id
        and results.plan_id = lines.plan_id
        and results.period_start = lines.period_start
    left join line_spif
        on line_spif.rep_id = lines.rep_id
        and line_spif.plan_id = lines.plan_id
        and line_spif.period_start = lines.period_start
        and line_spif.order_id = lines.order_id
        and line_spif.line_no = lines.line_no

),

-- returns and cancellations known as of as_of, with the amount they take back from the line's credit
events as (

    select
        'return:' || return_id as source_id,
        'return ' || return_id as event_text,
        return_date as event_date,
        order_id,
        line_no,
        rep_id,
        credited_returned_amount as returned_amount
    from returns

    union all

    select
        'cancellation:' || cast(cancelled_date as varchar) as source_id,
        'cancellation' as event_text,
        cancelled_date as event_date,
        order_id,
        line_no,
        rep_id,
        line_credit_amount as returned_amount
    from line_earnings
    where cancelled_date is not null and cancelled_date <= {{ as_of_date() }}

),

event_clawbacks as (

    select
        earnings.rep_id,
        earnings.plan_id,
        earnings.period_type,
        cast(date_trunc(earnings.period_type, events.event_date) as date) as period_start,
        earnings.earned_period_start,
        events.source_id,
        earnings.order_id,
        earnings.line_no,
        events.returned_amount,
        earnings.line_credit_amount,
        earnings.line_earned_amount,
        -{{ exact_amount('cast(least(events.returned_amount, earnings.line_credit_amount) as double)'
                         ~ ' * earnings.line_earned_amount / earnings.line_credit_amount') }} as amount,
        'clawback of ' || earnings.earned_period_label || ' commission: ' || events.event_text || ' on '
            || strftime(events.event_date, '%Y-%m-%d') || ' ('
            || datediff('day', earnings.order_date, events.event_date) || ' days after the order, limit '
            || plans.clawback_days || ') of ' || {{ yuan('events.returned_amount') }} || ' of '
            || {{ yuan('earnings.line_credit_amount') }} || ' credited on order ' || earnings.order_id
            || ' line ' || earnings.line_no || ', which earned ' || {{ yuan('earnings.line_earned_amount') }}
            as explanation
    from events
    inner join line_earnings as earnings
        on earnings.order_id = events.order_id
        and earnings.line_no = events.line_no
        and earnings.rep_id = events.rep_id
    inner join plans on plans.plan_id = earnings.plan_id and plans.clawback_days > 0
    where cast(date_trunc(earnings.period_type, events.event_date) as date) > earnings.earned_period_start
      and datediff('day', earnings.order_date, events.event_date) <= plans.clawback_days
      and earnings.line_credit_amount > 0
      and earnings.line_earned_amount > 0

),

clawed_by_line as (

    select rep_id, plan_id, earned_period_start, order_id, line_no, sum(amount) as clawed_amount
    from event_clawbacks
    group by all

),

terminations as (

    select rep_id, termination_date
    from {{ ref('stg_raw__reps') }}
    where termination_date is not null and termination_date <= {{ as_of_date() }}

),

exit_clawbacks as (

    select
        earnings.rep_id,
        earnings.plan_id,
        earnings.period_type,
        cast(date_trunc(earnings.period_type, terminations.termination_date) as date) as period_start,
        earnings.earned_period_start,
        'exit:' || cast(terminations.termination_date as varchar) as source_id,
        earnings.order_id,
        earnings.line_no,
        cast(null as decimal(38, 10)) as returned_amount,
        earnings.line_credit_amount,
        earnings.line_earned_amount,
        -{{ exact_amount('plans.exit_clawback_share * (earnings.line_earned_amount'
                         ~ ' + coalesce(clawed.clawed_amount, 0))') }} as amount,
        'exit clawback of ' || earnings.earned_period_label || ' commission: termination on '
            || strftime(terminations.termination_date, '%Y-%m-%d') || ', order ' || earnings.order_id
            || ' line ' || earnings.line_no || ' dated ' || strftime(earnings.order_date, '%Y-%m-%d') || ' ('
            || datediff('day', earnings.order_date, terminations.termination_date) || ' days before, window '
            || plans.exit_clawback_days || ' days) earned '
            || {{ yuan('earnings.line_earned_amount + coalesce(clawed.clawed_amount, 0)') }}
            || case when clawed.clawed_amount is not null then ' after clawbacks' else '' end
            || ' x ' || {{ pct_text('plans.exit_clawback_share') }} as explanation
    from line_earnings as earnings
    inner join terminations on terminations.rep_id = earnings.rep_id
    inner join plans on plans.plan_id = earnings.plan_id and plans.exit_clawback_days > 0
    left join clawed_by_line as clawed
        on clawed.rep_id = earnings.rep_id
        and clawed.plan_id = earnings.plan_id
        and clawed.earned_period_start = earnings.earned_period_start
        and clawed.order_id = earnings.order_id
        and clawed.line_no = earnings.line_no
    where datediff('day', earnings.order_date, terminations.termination_date) >= 0
      and datediff('day', earnings.order_date, terminations.termination_date) < plans.exit_clawback_days
      and earnings.line_earned_amount + coalesce(clawed.clawed_amount, 0) > 0

),

final as (

    select * from event_clawbacks
    union all
    select * from exit_clawbacks

)

select * from final
