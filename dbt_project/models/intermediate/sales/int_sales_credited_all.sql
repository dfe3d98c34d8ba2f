-- Sales credit (CONTRACT.md section 3 "Credit"; docs/commissions.md "Credit splits"), grain: order line x
-- credited rep, with the lines cancelled after their sale (issue 18 item 7: cancelled_date set; only the
-- commission engine reads those, to claw them back; int_sales_credited leaves them out). A completed line dated on or before as_of credits its rep_id with net_amount. credit_splits
-- rows change that per order, by split_type:
--   revenue: the order's revenue credit goes to the revenue split reps, net_amount x split_pct each, instead
--            of the line's rep (they should total 100%: warn test revenue_splits_total_one);
--   overlay: credit on top of the revenue credit (free: any total), net_amount x split_pct.
-- An order with overlays but no revenue split keeps the line's rep at 100% revenue credit. Several rows of one
-- rep on one order add up (a revenue 50% and an overlay 20% credit 70%): split_pct is the rep's total share,
-- revenue_split_pct and overlay_split_pct its parts. Cancelled lines and lines dated after as_of credit
-- nothing and are absent. A split naming an unknown rep is held (int_rows_held): its share credits nobody
-- until the rep is known, and the order's line rep never gets a held revenue share in its place (an order
-- whose only revenue split is held credits nobody its revenue). Reused by attainment (rep level) and by the
-- commission engine.
-- A view: recomputing it from the int_order_lines_enriched table is a scan and a small hash join,
-- cheaper than writing another ~10M-row table on every build.
{{ config(materialized='view') }}

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    where is_creditable or is_cancelled_after_sale

),

all_splits as (

    select order_id, rep_id, split_type, split_pct from {{ ref('stg_raw__credit_splits') }}

),

splits as (

    select all_splits.order_id, all_splits.rep_id, all_splits.split_type, all_splits.split_pct
    from all_splits
    anti join {{ ref('int_rows_held') }} as held
        on held.entity = 'credit_splits' and held.order_id = all_splits.order_id and held.rep_id = all_splits.rep_id

),

-- held splits count here: an order is split (and its revenue leaves the line's rep) even while a split's rep
-- is unknown
split_orders as (

    select order_id, bool_or(split_type = 'revenue') as has_revenue_split
    from all_splits
    group by order_id

),

-- per order x rep: the rep's revenue and overlay shares; rep_id NULL stands for the line's own rep, who keeps
-- 100% revenue credit when the order has only overlays
split_shares as (

    select order_id, rep_id, split_type, split_pct from splits
    union all
    select order_id, cast(null as varchar) as rep_id, 'line_rep' as split_type, cast(1 as decimal(12, 6)) as split_pct
    from split_orders
    where not has_revenue_split

),

split_credit as (

    -- a few split orders: resolve the line's rep, then add each rep's rows
    select
        lines.order_id,
        lines.line_no,
        coalesce(split_shares.rep_id, lines.rep_id) as rep_id,
        bool_or(split_shares.split_type <> 'line_rep') as has_split_row,
        cast(sum(split_shares.split_pct) filter (where split_shares.split_type <> 'overlay') as decimal(12, 6))
            as revenue_split_pct,
        cast(sum(split_shares.split_pct) filter (where split_shares.split_type = 'overlay') as decimal(12, 6))
            as overlay_split_pct,
        cast(sum(split_shares.split_pct) as decimal(12, 6)) as split_pct
    from lines
    inner join split_shares on split_shares.order_id = lines.order_id
    group by all

),

unsplit_lines as (

    select
        lines.*,
        lines.rep_id as credited_rep_id,
        'line_rep' as credit_source,
        cast(1 as decimal(12, 6)) as split_pct,
        cast(1 as decimal(12, 6)) as revenue_split_pct,
        cast(0 as decimal(12, 6)) as overlay_split_pct,
        false as is_split
    from lines
    anti join split_orders on split_orders.order_id = lines.order_id

),

split_lines as (

    select
        lines.*,
        split_credit.rep_id as credited_rep_id,
        case when split_credit.has_split_row then 'split' else 'line_rep' end as credit_source,
        split_credit.split_pct,
        coalesce(split_credit.revenue_split_pct, 0) as revenue_split_pct,
        coalesce(split_credit.overlay_split_pct, 0) as overlay_split_pct,
        true as is_split
    from lines
    inner join split_credit on split_credit.order_id = lines.order_id and split_credit.line_no = lines.line_no

),

credited as (

    select * from unsplit_lines
    union all
    select * from split_lines

),

final as (

    select
        order_id,
        line_no,
        credited_rep_id as rep_id,
        rep_id as line_rep_id,
        credit_source,
        split_pct,
        revenue_split_pct,
        overlay_split_pct,
        order_date,
        order_month,
        customer_id,
        product_id,
        product_line,
        quantity,
        case when not is_split then quantity
             else cast(cast(quantity as decimal(38, 4)) * split_pct as decimal(18, 4)) end as credited_quantity,
        net_amount,
        -- exact without splits; a split share is carried to the 10th decimal
        case when not is_split then net_amount
             else cast(net_amount * split_pct as decimal(38, 10)) end as credited_amount,
        case when not is_split then net_amount - cost_amount
             else cast((net_amount - cost_amount) * split_pct as decimal(38, 10)) end as credited_gross_margin_amount,
        case when is_creditable then cast(null as date) else cancelled_date end as cancelled_date

    from credited

)

select * from final
