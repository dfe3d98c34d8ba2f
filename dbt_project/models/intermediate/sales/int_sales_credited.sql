-- Sales credit (CONTRACT.md section 3 "Credit"), grain: order line x credited rep: the lines that count
-- (completed, dated on or before as_of, not held), credited by the split rules of int_sales_credited_all.
-- Lines cancelled after their sale are left out: attainment and scorecards never count them (only the
-- commission engine reads them from int_sales_credited_all, to claw back what they earned).
{{ config(materialized='view') }}

select
    order_id,
    line_no,
    rep_id,
    line_rep_id,
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
    credited_quantity,
    net_amount,
    credited_amount,
    credited_gross_margin_amount
from {{ ref('int_sales_credited_all') }}
where cancelled_date is null
