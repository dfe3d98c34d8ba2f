-- The pipeline of open orders (backlog): one row per pending or disputed order line dated on or before the
-- as-of date. Accepted, visible, not creditable until a later extract says completed; days_open says how
-- long it has waited.

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    where status in ('pending', 'disputed') and not is_after_as_of

)

select
    order_id,
    line_no,
    order_date,
    order_month,
    status,
    rep_id,
    customer_id,
    product_id,
    product_line,
    region,
    team,
    quantity,
    cast(net_amount as decimal(18, 4)) as net_amount,
    {{ dbt.datediff('order_date', as_of_date(), 'day') }} as days_open,
    {{ as_of_date() }} as as_of_date,

    _source_file,
    _source_row

from lines
