-- Like-for-like bases for the open periods, grain: period_type x comparison x level x key.
-- The open month, quarter and year hold sales up to the as-of date only. Comparing half a month with a
-- whole previous month says nothing, so fct_sales_comparison compares an open period with its base
-- periods cut at the same point: the base window runs from the base period's first day to
-- as_of - 1 month (MoM), - 3 months (QoQ) or - 1 year (YoY, and the previous period of a year).
-- DuckDB's interval arithmetic clamps to the month's end: as of 31 March, March 1-31 is compared with
-- February 1-28. Calendar days, not workdays: a holiday falling in one window and not the other
-- (春节, 国庆) shows as a change, as it would in a finance report.
--
-- The amount follows the attainment rule exactly (int_actuals_aggregated / fct_attainment) as if the
-- as-of date had been the cut-off: net of lines dated in the window, less returns recorded in the window
-- against those lines. It reads the same credited rows (int_sales_credited, int_returns_credited for reps;
-- the order lines at their rep's region / team / product line for the other levels); no credit rule is
-- recomputed. A unit without sales in a window has no row (the mart reads it as 0).

{% set windows = [
    ('month', 'previous', '1 month'),
    ('month', 'last_year', '1 year'),
    ('quarter', 'previous', '3 month'),
    ('quarter', 'last_year', '1 year'),
    ('year', 'previous', '1 year'),
    ('year', 'last_year', '1 year'),
] %}
{% set line_levels = [('company', "''"), ('region', 'region'), ('team', 'team'), ('product_line', 'product_line')] %}

with

windows as (

    {% for period_type, comparison, shift in windows %}
    select
        '{{ period_type }}' as period_type,
        '{{ comparison }}' as comparison,
        {{ period_start(period_type, as_of_date()) }} as period_start,
        cast({{ period_start(period_type, as_of_date()) }} - interval {{ shift }} as date) as base_start,
        cast({{ as_of_date() }} - interval {{ shift }} as date) as base_end
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    where is_creditable
      and order_date >= (select min(base_start) from windows)

),

returns as (

    select * from {{ ref('int_returns_allocated') }}
    where is_counted
      and order_date >= (select min(base_start) from windows)

),

credits as (

    select * from {{ ref('int_sales_credited') }}
    where order_date >= (select min(base_start) from windows)

),

credited_returns as (

    select * from {{ ref('int_returns_credited') }}
    where order_date >= (select min(base_start) from windows)

),

events as (

    {% for level, key_expr in line_levels %}
    select windows.period_type, windows.comparison, '{{ level }}' as level, {{ key_expr }} as key,
           sum(lines.net_amount) as amount
    from lines
    inner join windows on lines.order_date between windows.base_start and windows.base_end
    where {{ key_expr }} is not null
    group by all

    union all

    -- a return counts when both the line and the return fall in the window
    select windows.period_type, windows.comparison, '{{ level }}', {{ key_expr }},
           -sum(returns.allocated_amount)
    from returns
    inner join windows
        on returns.order_date between windows.base_start and windows.base_end
        and returns.return_date between windows.base_start and windows.base_end
    where {{ key_expr }} is not null
    group by all

    union all
    {% endfor %}

    select windows.period_type, windows.comparison, 'rep', credits.rep_id, sum(credits.credited_amount)
    from credits
    inner join windows on credits.order_date between windows.base_start and windows.base_end
    group by all

    union all

    select windows.period_type, windows.comparison, 'rep', credited_returns.rep_id,
           -sum(credited_returns.credited_returned_amount)
    from credited_returns
    inner join windows
        on credited_returns.order_date between windows.base_start and windows.base_end
        and credited_returns.return_date between windows.base_start and windows.base_end
    group by all

)

select
    windows.period_type,
    windows.period_start,
    windows.comparison,
    windows.base_start,
    windows.base_end,
    events.level,
    events.key,
    cast(sum(events.amount) as decimal(18, 2)) as amount
from events
inner join windows on windows.period_type = events.period_type and windows.comparison = events.comparison
group by all
