-- Draws and guaranteed minimums (issue 18 item 4; docs/commissions.md "Draws and guaranteed minimums"),
-- grain: rep x plan x period with a draw in effect or a draw balance to recover.
-- A plan's `draw` guarantees `amount` per statement period from `from` to `to`: when the period's earnings
-- (tier + SPIF - cap + overrides + adjustments + deal minimums: what the period earned; clawbacks are not earnings and stay
-- out, so a guarantee never absorbs them) are below it, a draw line pays the difference.
--   recoverable: false  a guaranteed minimum: never recovered.
--   recoverable: true   the draws are a balance due from the rep, recovered from later earnings from the
--                       period holding `recover_from` (default `from`): 100% of earnings above the minimum
--                       while the draw is in effect (so the rep is still paid the minimum), 100% of earnings
--                       after it, never more than the balance (Oracle Incentive Compensation's "draw and
--                       recovery" example).
-- The balance follows b_t = max(0, b_(t-1) + draw_t - recoverable_t) (a period draws or recovers, never both),
-- whose closed form is S_t - min(0, min over k <= t of S_k) with S the running sum of draw_t - recoverable_t.
-- Exact: the statement is rounded once (int_commission_lines_computed).

with

plans as (

    select plan_id, draw_amount, draw_recoverable, draw_from, draw_to, draw_recover_from
    from {{ ref('stg_config__commission_plans') }}
    where draw_amount is not null

),

results as (

    select r.rep_id, r.plan_id, r.period_type, r.period_start, r.period_label,
           r.tier_commission + r.spif - r.cap_reduction as commission
    from {{ ref('int_commission_period_results') }} as r
    inner join plans on plans.plan_id = r.plan_id

),

others as (

    select rep_id, plan_id, period_start, sum(amount) as amount
    from (
        select rep_id, plan_id, period_start, amount from {{ ref('int_commission_overrides') }}
        union all
        select rep_id, plan_id, period_start, amount from {{ ref('int_commission_adjustments') }}
        union all
        select rep_id, plan_id, period_start, amount from {{ ref('int_commission_deal_minimums') }}
    ) as extra
    group by all

),

earned as (

    select
        results.*,
        plans.draw_amount,
        plans.draw_recoverable,
        {{ exact_amount('results.commission + coalesce(others.amount, 0)') }} as earnings,
        results.period_start between cast(date_trunc(results.period_type, plans.draw_from) as date)
            and coalesce(plans.draw_to, date '9999-12-31') as draw_in_effect,
        plans.draw_recoverable
            and results.period_start >= cast(date_trunc(results.period_type, coalesce(plans.draw_recover_from, plans.draw_from)) as date)
            as recovering
    from results
    inner join plans on plans.plan_id = results.plan_id
    left join others
        on others.rep_id = results.rep_id and others.plan_id = results.plan_id
        and others.period_start = results.period_start

),

stepped as (

    select
        *,
        case when draw_in_effect then greatest(0, draw_amount - earnings) else 0 end as draw,
        case when not recovering then 0
             when draw_in_effect then greatest(0, earnings - draw_amount)
             else greatest(0, earnings) end as recoverable
    from earned

),

running as (

    select
        *,
        sum(case when draw_recoverable then draw - recoverable else 0 end) over (
            partition by rep_id, plan_id order by period_start rows between unbounded preceding and current row)
            as running_sum
    from stepped

),

balanced as (

    select
        *,
        running_sum - least(0, min(running_sum) over (
            partition by rep_id, plan_id order by period_start rows between unbounded preceding and current row))
            as balance
    from running

),

final as (

    select
        rep_id, plan_id, period_type, period_start, period_label, draw_amount, draw_recoverable, earnings,
        draw_in_effect,
        {{ exact_amount('draw') }} as draw,
        {{ exact_amount('case when draw_recoverable
                              then coalesce(lag(balance) over (partition by rep_id, plan_id order by period_start), 0)
                                   + draw - balance
                              else 0 end') }} as recovery,
        {{ exact_amount('case when draw_recoverable then balance else 0 end') }} as balance_after
    from balanced

)

select * from final
where draw <> 0 or recovery <> 0 or balance_after <> 0 or draw_in_effect
