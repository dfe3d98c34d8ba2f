-- Money traceability: fct_sales holds every de-duplicated order line once, with the same quantity x
-- price - discount, and returned_amount accounts for every return on a known order.
-- Returns a row describing the difference when something does not reconcile.
-- Reported in Dagster as an asset check on fct_sales (a singular test with several refs needs to be told which).
{{ config(meta={'dagster': {'ref': {'name': 'fct_sales'}}}) }}

with

staged as (

    select
        count(*) as lines,
        -- double arithmetic: a 10M-line sum of exact decimal products is needlessly slow for a check
        sum(cast(quantity as double) * cast(unit_price as double) - cast(discount_amount as double)) as net_amount
    from {{ ref('stg_raw__orders') }}

),

published as (

    select
        count(*) as lines,
        sum(net_amount) as net_amount,
        sum(returned_amount) as returned_amount
    from {{ ref('fct_sales') }}

),

matched_returns as (

    select coalesce(sum(allocated_amount), 0) as returned_amount
    from {{ ref('int_returns_allocated') }}
    where line_no is not null

)

select
    staged.lines as staged_lines,
    published.lines as published_lines,
    staged.net_amount as staged_net_amount,
    published.net_amount as published_net_amount,
    matched_returns.returned_amount as allocated_returns_amount,
    published.returned_amount as published_returned_amount
from staged, published, matched_returns
where staged.lines <> published.lines
    or abs(coalesce(staged.net_amount, 0) - coalesce(published.net_amount, 0)) > 0.5
    or coalesce(published.returned_amount, 0) <> matched_returns.returned_amount
