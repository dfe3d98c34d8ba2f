-- What each deal earned (issue 18 item 5; docs/commissions.md "Per-deal lines"), grain: rep x plan x period x
-- order line. The exact shares of int_commission_deal_lines rounded to cents so that a statement's deal lines
-- add up exactly to its tier_commission + spif - cap_reduction (the cents of those lines in
-- fct_commission_lines): the shares are scaled to that total (a factor of 1 unless the statement was frozen
-- with other figures), floored to the cent, and the cents left go to the largest remainders (ties by order,
-- line). Plans paid to date have no deal lines (their pay periods net out earlier payments).

with

deals as (

    select * from {{ ref('int_commission_deal_lines') }}

),

statement_totals as (

    select rep_id, plan_id, period_start, sum(amount) as earned_total
    from {{ ref('fct_commission_lines') }}
    where line_type in ('tier', 'spif', 'cap')
    group by all

),

scaled as (

    select
        deals.*,
        t.earned_total,
        sum(deals.earned_amount) over (partition by deals.rep_id, deals.plan_id, deals.period_start) as exact_total,
        case when sum(deals.earned_amount) over (partition by deals.rep_id, deals.plan_id, deals.period_start) <> 0
             then cast(deals.earned_amount as double) * cast(t.earned_total as double)
                  / cast(sum(deals.earned_amount) over (partition by deals.rep_id, deals.plan_id, deals.period_start) as double)
             else 0 end as scaled_amount
    from deals
    inner join statement_totals as t
        on t.rep_id = deals.rep_id and t.plan_id = deals.plan_id and t.period_start = deals.period_start

),

floored as (

    select
        *,
        floor(round(scaled_amount * 100, 6)) as floor_cents,
        round(scaled_amount * 100, 6) - floor(round(scaled_amount * 100, 6)) as remainder
    from scaled

),

ranked as (

    select
        *,
        cast(round(earned_total * 100) as bigint)
            - sum(floor_cents) over (partition by rep_id, plan_id, period_start) as cents_left,
        row_number() over (partition by rep_id, plan_id, period_start order by remainder desc, order_id, line_no)
            as remainder_rank
    from floored

),

final as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        {{ period_label('period_type', 'period_start') }} as period_label,
        order_id,
        line_no,
        order_date,
        cast(measure_amount as decimal(38, 10)) as measure_amount,
        allocation,
        tier_share,
        spif_amount,
        earned_factor,
        {{ exact_amount('scaled_amount') }} as unrounded_amount,
        cast((floor_cents + case when remainder_rank <= cents_left then 1 else 0 end) / 100.0 as decimal(18, 2))
            as amount,
        case when measure_amount > 0
             then (floor_cents + case when remainder_rank <= cents_left then 1 else 0 end) / 100.0
                  / cast(measure_amount as double)
        end as effective_rate,
        'deal ' || order_id || '/' || line_no || ' of ' || strftime(order_date, '%Y-%m-%d') || ': '
            || case allocation when 'pro_rata' then 'pro rata share of the tier commission'
                               when 'sequence' then 'tier commission of its slice in sequence'
                               else 'priced alone from the first tier' end
            || ' ' || {{ yuan('tier_share') }}
            || case when spif_amount <> 0 then ' + SPIF ' || {{ yuan('spif_amount') }} else '' end
            || case when earned_factor < 1 then ' x cap factor ' || {{ number_text('earned_factor') }} else '' end
            as explanation
    from ranked

)

select * from final
