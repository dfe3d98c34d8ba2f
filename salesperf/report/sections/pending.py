"""Wired when the mart lands: parts written against CONTRACT.md's table names for marts that a later issue
adds (collections: fct_collections, fct_receivables, issue 13). Until a mart is published its part is omitted
with a note; the columns below are the ones we expect, and if the mart lands with others the part is skipped
with a note (pending=True) instead of failing the report. Not covered by the browser tests until the marts
exist. (The process marts of issue 17 are wired in sections/process.py and sections/products.py.)"""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part

COLLECTIONS = Part(
    "collections",
    ("fct_collections",),
    """select region, period_label, sum(invoiced_amount) as invoiced, sum(collected_amount) as collected,
              sum(collected_amount) / nullif(sum(invoiced_amount), 0) as collection_rate
       from marts.fct_collections group by all order by period_label, region""",
    (
        Block(
            "collections",
            "blk_collections",
            "collections",
            (
                Field("region", "region"),
                Field("invoiced", "invoiced", "money"),
                Field("collected", "collected", "money"),
                Field("collection_rate", "collection_rate", "pct"),
            ),
            chart=Chart("bar", "region", ("invoiced", "collected")),
            filters=Filters(period="period_label", region="region"),
        ),
    ),
    pending=True,
)

RECEIVABLES = Part(
    "receivables",
    ("fct_receivables",),
    """select aging_bucket, sum(outstanding_amount) as amount from marts.fct_receivables
       group by aging_bucket order by min(aging_days_from)""",
    (
        Block(
            "receivables",
            "blk_receivables",
            "receivables",
            (Field("aging_bucket", "aging_bucket"), Field("amount", "amount", "money")),
            chart=Chart("bar", "aging_bucket", ("amount",)),
        ),
    ),
    pending=True,
)
