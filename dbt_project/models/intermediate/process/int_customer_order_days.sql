-- The days each customer ordered: one row per customer and order date with creditable lines (completed,
-- dated on or before the as-of date: int_order_lines_enriched.is_creditable), their net amount and orders.
-- What "the customer ordered within N days" means in the visit and satisfaction marts.

select
    customer_id,
    order_date,
    count(distinct order_id) as orders,
    sum(net_amount) as net_amount
from {{ ref('int_order_lines_enriched') }}
where is_creditable and customer_id is not null
group by customer_id, order_date
