-- Order lines with money computed and the rep's org and the product line attached: the one place
-- where gross/net amounts and "does this line count" (is_creditable) are defined.
-- Amounts are exact (docs/commissions.md "Rounding"): quantity (4 decimals) x unit price (6) is a
-- DECIMAL(38,10) with nothing rounded, never to the cent. Widening the quantity to 128 bits first also keeps
-- DuckDB 2.0 from multiplying in the narrower DECIMAL(18,10), which overflows above 10^8; and nothing is cast
-- back down to 64 bits, which costs ~1 s per million rows (a 128-bit division per value).

-- Incremental by order month (macros/incremental.sql): an incremental build deletes the touched months and
-- inserts them again from this same SQL; the filter on order_id (a partition key of staging's de-duplication)
-- lets DuckDB rank only those orders' rows.
-- depends_on: {{ ref('int_build_touched_months') }}, {{ ref('stg_raw__row_versions') }}
{{ config(
    materialized=line_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_order_months() }}",
) }}

with

orders as (

    select * from {{ ref('stg_raw__orders') }}
    {% if is_incremental() %}
    where order_id in (
        select order_id from {{ ref('stg_raw__row_versions') }}
        where entity = 'orders' and cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            in (select order_month from {{ ref('int_build_touched_months') }})
    )
    {% endif %}

),

products as (

    select product_id, product_line, unit_cost from {{ ref('stg_raw__products') }}

),

reps as (

    select rep_id, region, team from {{ ref('stg_raw__reps') }}

),

split_orders as (

    select distinct order_id from {{ ref('stg_raw__credit_splits') }}

),

-- Lines whose rep is unknown (int_rows_held): visible here and in fct_sales, but they credit nobody.
held as (

    select order_id, line_no from {{ ref('int_rows_held') }}
    where entity = 'orders'

),

enriched as (

    select
        orders.order_id,
        orders.line_no,
        orders.order_date,
        {{ period_start('month', 'orders.order_date') }} as order_month,
        orders.customer_id,
        orders.rep_id,
        reps.region,
        reps.team,
        orders.product_id,
        products.product_line,
        orders.quantity,
        orders.unit_price,
        cast(orders.quantity as decimal(38, 4)) * orders.unit_price as gross_amount,
        orders.discount_amount,
        cast(orders.quantity as decimal(38, 4)) * orders.unit_price - orders.discount_amount as net_amount,
        cast(orders.quantity as decimal(38, 4)) * products.unit_cost as cost_amount,
        orders.currency,
        orders.status,
        orders.cancelled_date,
        orders.updated_at,
        split_orders.order_id is not null as has_credit_splits,
        orders.order_date > {{ as_of_date() }} as is_after_as_of,
        held.order_id is not null as is_held,
        -- Credit, attainment and commission count completed lines dated on or before the as-of date, unless
        -- they are held (their rep is unknown: the credit would go to nobody's plan, region or team).
        orders.status = 'completed' and orders.order_date <= {{ as_of_date() }} and held.order_id is null
            as is_creditable,
        -- issue 18 item 7: a line sold, then cancelled on a later day (cancelled_date). Credit and attainment
        -- never count it; commissions keep it in the period it was sold in when the cancellation falls in a
        -- later plan period, and claw it back there (int_commission_clawbacks).
        orders.status = 'cancelled' and orders.cancelled_date > orders.order_date
            and orders.order_date <= {{ as_of_date() }} and held.order_id is null as is_cancelled_after_sale,

        orders._source_file,
        orders._source_row,
        orders._file_seq

    from orders
    left join products on orders.product_id = products.product_id
    left join reps on orders.rep_id = reps.rep_id
    left join split_orders on orders.order_id = split_orders.order_id
    left join held on orders.order_id = held.order_id and orders.line_no = held.line_no

)

select * from enriched
{% if is_incremental() %}
where order_month in (select order_month from {{ ref('int_build_touched_months') }})
{% endif %}
