-- The source lines of every commission measure (CONTRACT.md section 3 "Credit" and "Measure"),
-- grain: rep x plan x period x order line. This is where a statement's measure comes from, line by line.
--   net_sales / gross_margin: credit of completed order lines (int_sales_credited: the line's rep, or
--     each split rep x split_pct, overlay included) to the plan assigned to the rep on the order date,
--     in the plan period holding the order date, less returns recorded in that same period against
--     the line (int_returns_credited, at the rep's credit share). gross_margin scales the line's credited
--     margin by the share of the line not returned. Cancelled lines are absent from credit.
--   collected: payments (回款) dated on or before as_of against an order, spread over the order's
--     creditable lines pro rata to net_amount and credited like the lines; plan and period are those
--     of the payment date. Payments without an order cannot be attributed to a rep and are left out.
-- measure_units: credited units not returned in the period (units x share not returned), for SPIFs.
--   units (issue 18 item 2, components): measure_units of the lines of the component's product_line.
--   new_customers (issue 18 item 2): 1 x the rep's share (split_pct) on the first creditable line of each
--     customer's first order ever (order date, order, line), in the period holding that order date; lines
--     cancelled later never count (the customer's next order is then its first).
-- Issue 18 item 7: a sales line cancelled after its sale (int_sales_credited_all.cancelled_date) stays in the
-- period it was sold in when the cancellation falls in a later plan period (or after as_of), and carries
-- cancelled_date so that int_commission_clawbacks claws it back in the cancellation's period; a line
-- cancelled within its own period credits nothing.

with

credits as (

    select * from {{ ref('int_sales_credited_all') }}

),

days as (

    select rep_id, day, plan_id, period_type, period_start from {{ ref('int_commission_assignment_days') }}

),

plans as (

    select plan_id, measure, product_line from {{ ref('stg_config__commission_plans') }}

),

first_lines as (

    -- each customer's first creditable line ever: the line that makes it a new customer
    select order_id, line_no
    from {{ ref('int_order_lines_enriched') }}
    where is_creditable
    qualify row_number() over (partition by customer_id order by order_date, order_id, line_no) = 1

),

credited_to_plans as (

    select
        credits.*,
        days.plan_id,
        days.period_type,
        days.period_start,
        plans.measure
    from credits
    inner join days on days.rep_id = credits.rep_id and days.day = credits.order_date
    inner join plans on plans.plan_id = days.plan_id
    where (plans.measure in ('net_sales', 'gross_margin')
           or (plans.measure = 'units' and credits.product_line = plans.product_line and credits.cancelled_date is null)
           or (plans.measure = 'new_customers' and credits.cancelled_date is null
               and exists (select 1 from first_lines
                           where first_lines.order_id = credits.order_id and first_lines.line_no = credits.line_no)))
      and (credits.cancelled_date is null
           or credits.cancelled_date > {{ as_of_date() }}
           or cast(date_trunc(days.period_type, credits.cancelled_date) as date) > days.period_start)

),

same_period_returns as (

    select
        credited_to_plans.rep_id,
        credited_to_plans.plan_id,
        credited_to_plans.order_id,
        credited_to_plans.line_no,
        sum(returns.credited_returned_amount) as returned_amount,
        count(*) as return_count
    from credited_to_plans
    inner join {{ ref('int_returns_credited') }} as returns
        on returns.order_id = credited_to_plans.order_id
        and returns.line_no = credited_to_plans.line_no
        and returns.rep_id = credited_to_plans.rep_id
    where cast(date_trunc(credited_to_plans.period_type, returns.return_date) as date) = credited_to_plans.period_start
    group by all

),

sales_lines as (

    select
        c.rep_id,
        c.plan_id,
        c.period_type,
        c.period_start,
        c.measure,
        c.order_id,
        c.line_no,
        c.order_date,
        c.product_line,
        c.credit_source,
        c.split_pct,
        c.credited_quantity,
        c.credited_amount,
        coalesce(r.returned_amount, 0) as same_period_returned_amount,
        coalesce(r.return_count, 0) as event_count,
        -- share of the credited line still sold at the end of the period
        case when c.credited_amount <> 0
            then 1 - coalesce(r.returned_amount, 0) / c.credited_amount else 1 end as kept_share,
        c.credited_gross_margin_amount,
        c.cancelled_date
    from credited_to_plans as c
    left join same_period_returns as r
        on r.rep_id = c.rep_id and r.plan_id = c.plan_id
        and r.order_id = c.order_id and r.line_no = c.line_no

),

payments as (

    select * from {{ ref('stg_raw__payments') }}
    where order_id is not null and payment_date <= {{ as_of_date() }}

),

order_totals as (

    select order_id, sum(net_amount) as order_net_amount
    from {{ ref('int_order_lines_enriched') }}
    where is_creditable
    group by all

),

collected as (

    select
        credits.rep_id,
        days.plan_id,
        days.period_type,
        days.period_start,
        'collected' as measure,
        credits.order_id,
        credits.line_no,
        credits.order_date,
        credits.product_line,
        credits.credit_source,
        credits.split_pct,
        sum(cast({{ money_times('payments.amount', 'credits.credited_amount') }} as double)
            / order_totals.order_net_amount) as collected_amount,
        count(*) as event_count
    from payments
    inner join order_totals on order_totals.order_id = payments.order_id and order_totals.order_net_amount <> 0
    inner join credits on credits.order_id = payments.order_id and credits.cancelled_date is null
    inner join days on days.rep_id = credits.rep_id and days.day = payments.payment_date
    inner join plans on plans.plan_id = days.plan_id and plans.measure = 'collected'
    group by all

),

final as (

    select
        rep_id, plan_id, period_type, period_start, measure, order_id, line_no, order_date, product_line,
        credit_source, split_pct,
        credited_amount,
        cast(same_period_returned_amount as decimal(38, 10)) as same_period_returned_amount,
        cast(null as decimal(38, 10)) as collected_amount,
        -- net sales stay exact decimals (kept_share is a DOUBLE: a CASE mixing both would be a DOUBLE)
        case measure
            when 'net_sales' then cast(credited_amount - same_period_returned_amount as decimal(38, 10))
            when 'units' then cast(credited_quantity * kept_share as decimal(38, 10))
            when 'new_customers' then cast(split_pct as decimal(38, 10))
            else cast(coalesce(credited_gross_margin_amount, 0) * kept_share as decimal(38, 10))
        end as measure_amount,
        cast(credited_quantity * kept_share as decimal(18, 4)) as measure_units,
        event_count,
        cancelled_date
    from sales_lines

    union all

    select
        rep_id, plan_id, period_type, period_start, measure, order_id, line_no, order_date, product_line,
        credit_source, split_pct,
        cast(null as decimal(38, 10)) as credited_amount,
        cast(null as decimal(38, 10)) as same_period_returned_amount,
        cast(collected_amount as decimal(38, 10)) as collected_amount,
        cast(collected_amount as decimal(38, 10)) as measure_amount,
        cast(null as decimal(18, 4)) as measure_units,
        event_count,
        cast(null as date) as cancelled_date
    from collected

)

select * from final
