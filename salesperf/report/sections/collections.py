"""Collections and receivables (回款与应收, issue 13): money received per region and period against the period's
sales, and open receivables by aging bucket, from marts.fct_collections, fct_sales and fct_receivables."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, Section

UNASSIGNED = "未分配"  # a collection or a sale whose rep and customer have no region

# Per region and period (quarters and years of the report's years): collected = payments received by the as-of
# date in the period (payment date); sales = creditable net sales of the period (order date); rate = their ratio.
COLLECTIONS_SQL = f"""
with amounts as (
    select coalesce(region, '{UNASSIGNED}') as region, payment_date as day, collected_amount as collected,
           0 as sales
    from marts.fct_collections where not is_after_as_of
    union all
    select coalesce(region, '{UNASSIGNED}'), order_date, 0, net_amount
    from marts.fct_sales where is_creditable
),
labelled as (
    select region, strftime(day, '%Y') || '-Q' || quarter(day) as period_label, collected, sales from amounts
    where year(day) between $first_year and $last_year
    union all
    select region, strftime(day, '%Y'), collected, sales from amounts
    where year(day) between $first_year and $last_year
)
select region, period_label, sum(sales) as sales, sum(collected) as collected,
       sum(collected) / nullif(sum(sales), 0) as collection_rate
from labelled group by region, period_label order by period_label, region
"""

# Open receivables by aging bucket as of the as-of date, per region and over all as region ''.
RECEIVABLES_SQL = f"""
select case when grouping(region) = 1 then '' else region end as region, aging_bucket,
       min(aging_days_from) as aging_days_from, sum(open_amount) as open_amount, count(*) as orders
from (select coalesce(region, '{UNASSIGNED}') as region, aging_bucket, aging_days_from, open_amount
      from marts.fct_receivables where aging_days_from is not null)
group by grouping sets ((aging_bucket), (aging_bucket, region))
order by region, aging_days_from
"""

COLLECTIONS = Part(
    "collections",
    ("fct_collections", "fct_sales"),
    COLLECTIONS_SQL,
    (
        Block(
            "collections",
            "blk_collections",
            "collections",
            (
                Field("region", "region"),
                Field("sales", "sales", "money"),
                Field("collected", "collected", "money"),
                Field("collection_rate", "collection_rate", "pct"),
            ),
            chart=Chart("bar", "region", ("sales", "collected")),
            filters=Filters(period="period_label", region="region"),
        ),
    ),
)

RECEIVABLES = Part(
    "receivables",
    ("fct_receivables",),
    RECEIVABLES_SQL,
    (
        Block(
            "receivables",
            "blk_receivables",
            "receivables",
            (
                Field("aging_bucket", "aging_bucket"),
                Field("open_amount", "open_amount", "money"),
                Field("orders", "orders", "int"),
            ),
            chart=Chart("bar", "aging_bucket", ("open_amount",)),
            filters=Filters(region="region", region_scope=True),
        ),
    ),
)

SECTION = Section("collections", "sec_collections", (COLLECTIONS, RECEIVABLES))
