-- Attainment actuals pre-aggregated to months, for every level at once.
-- Grain: level x key x order_month x event_type x event_month.
--   event_type 'sale':   net_amount of creditable lines, event_month = order_month
--   event_type 'return': returns counted as of as_of against those lines, event_month = return month
-- fct_attainment rolls months up to quarters and years and keeps only returns whose event_month falls
-- in the same period as the order_month (later returns are clawbacks, not attainment).
-- rep level uses credit (splits, overlay); region / team / company / product_line count every line
-- once at its rep's region / team (no double counting from overlay splits). Lines whose rep has no
-- team (or whose rep or product is unknown) are absent from that level only.
-- Every branch casts its sum to DECIMAL(38,10) itself (the lines' precision): UNION ALL of DECIMAL sums of
-- different scales resolves to a type that can drop the sub-cent digits (found by the AdventureWorks test: 0.0055 lost on a
-- rep-quarter), and amounts are rounded to the cent only once, in the marts.

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    where is_creditable

),

returns as (

    select * from {{ ref('int_returns_allocated') }}
    where is_counted

),

credits as (

    select * from {{ ref('int_sales_credited') }}

),

credited_returns as (

    select * from {{ ref('int_returns_credited') }}

),

{% set line_levels = [('company', "''"), ('region', 'region'), ('team', 'team'), ('product_line', 'product_line')] %}

events as (

    {% for level, key_expr in line_levels %}
    select
        '{{ level }}' as level,
        {{ key_expr }} as key,
        order_month,
        'sale' as event_type,
        order_month as event_month,
        cast(sum(net_amount) as decimal(38, 10)) as amount,
        count(*) as line_count
    from lines
    where {{ key_expr }} is not null
    group by all

    union all

    select
        '{{ level }}' as level,
        {{ key_expr }} as key,
        order_month,
        'return' as event_type,
        return_month as event_month,
        cast(sum(allocated_amount) as decimal(38, 10)) as amount,
        count(*) as line_count
    from returns
    where {{ key_expr }} is not null
    group by all

    union all
    {% endfor %}

    select
        'rep' as level,
        rep_id as key,
        order_month,
        'sale' as event_type,
        order_month as event_month,
        cast(sum(credited_amount) as decimal(38, 10)) as amount,
        count(*) as line_count
    from credits
    group by all

    union all

    select
        'rep' as level,
        rep_id as key,
        order_month,
        'return' as event_type,
        return_month as event_month,
        cast(sum(credited_returned_amount) as decimal(38, 10)) as amount,
        count(*) as line_count
    from credited_returns
    group by all

)

select
    level,
    key,
    order_month,
    event_type,
    event_month,
    cast(amount as decimal(38, 10)) as amount,
    line_count
from events
