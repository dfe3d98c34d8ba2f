-- What the product association counts: one row per year, item level (product_line | product), item and
-- order of a customer, from creditable order lines (int_order_lines_enriched.is_creditable).
-- Bounds (process.yml association section), so pairs never explode:
--   product level: only the year's top_products products by number of orders (default 200), and only orders
--   with at most max_products_per_order distinct products (default 30): a huge order would add k*(k-1)/2 pairs;
--   product-line level: every line (there are few).
-- in_scope marks the rows the pairs, item counts and basket counts all use (excluded rows count nowhere).

with

settings as (

    select top_products, max_products_per_order from {{ ref('stg_config__process_settings') }}

),

lines as (

    select
        cast(extract(year from order_date) as integer) as year,
        order_id,
        order_date,
        customer_id,
        product_id,
        product_line
    from {{ ref('int_order_lines_enriched') }}
    where is_creditable and product_id is not null and customer_id is not null

),

order_sizes as (

    select order_id, count(distinct product_id) as products from lines group by order_id

),

product_ranks as (

    select
        year,
        product_id,
        row_number() over (partition by year order by count(distinct order_id) desc, product_id) as product_rank
    from lines
    group by year, product_id

),

items as (

    select distinct year, 'product_line' as item_level, product_line as item, order_id, order_date, customer_id,
           true as in_scope
    from lines
    where product_line is not null
    union all
    select distinct l.year, 'product', l.product_id, l.order_id, l.order_date, l.customer_id,
           r.product_rank <= cfg.top_products and s.products <= cfg.max_products_per_order
    from lines as l
    cross join settings as cfg
    inner join product_ranks as r on r.year = l.year and r.product_id = l.product_id
    inner join order_sizes as s on s.order_id = l.order_id

)

select year, item_level, item, order_id, order_date, customer_id, in_scope from items
