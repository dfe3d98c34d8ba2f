"""Wired when the mart lands: parts written against CONTRACT.md's table names for marts that later issues add
(process analytics: fct_funnel, fct_pipeline, fct_activity_summary, fct_product_affinity; collections and
receivables landed with issue 13, sections/collections.py). Until a mart is published its part is omitted with a
note; the columns below are the ones we expect, and if the mart lands with others the part is skipped with a note
(pending=True) instead of failing the report. Not covered by the browser tests until the marts exist."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part

AFFINITY = Part(
    "affinity",
    ("fct_product_affinity",),
    """select product_line_a || ' + ' || product_line_b as pair, support, confidence, lift
       from marts.fct_product_affinity order by lift desc limit 50""",
    (
        Block(
            "affinity",
            "blk_affinity",
            "affinity",
            (
                Field("pair", "pair"),
                Field("support", "support", "pct"),
                Field("confidence", "confidence", "pct"),
                Field("lift", "lift", "score"),
            ),
            chart=Chart("hbar", "pair", ("lift",), fmt="score", height=0),
            sort=("lift", "desc"),
            limit=15,
        ),
    ),
    pending=True,
)

FUNNEL = Part(
    "funnel",
    ("fct_funnel",),
    """select stage, min(stage_order) as stage_order, sum(opportunity_count) as opportunities, sum(amount) as amount
       from marts.fct_funnel group by stage order by stage_order""",
    (
        Block(
            "funnel",
            "blk_funnel",
            "funnel",
            (
                Field("stage", "stage"),
                Field("opportunities", "opportunities", "int"),
                Field("amount", "amount", "money"),
            ),
            chart=Chart("funnel", "stage", ("amount",)),
        ),
    ),
    pending=True,
)

PIPELINE = Part(
    "pipeline",
    ("fct_pipeline",),
    """select key as region, period_label, pipeline_amount as pipeline, coverage_ratio as coverage
       from marts.fct_pipeline where level = 'region' order by period_label, key""",
    (
        Block(
            "pipeline",
            "blk_pipeline",
            "pipeline",
            (Field("region", "region"), Field("pipeline", "pipeline", "money"), Field("coverage", "coverage", "score")),
            chart=Chart("bar", "region", ("coverage",), fmt="score", mark=3.0),
            filters=Filters(period="period_label", region="region"),
        ),
    ),
    pending=True,
)

VISITS = Part(
    "visits",
    ("fct_activity_summary",),
    """select region, period_label, sum(visit_count) as visits, sum(activity_count) as activities
       from marts.fct_activity_summary group by all order by period_label, region""",
    (
        Block(
            "visits",
            "blk_visits",
            "visits",
            (Field("region", "region"), Field("visits", "visits", "int"), Field("activities", "activities", "int")),
            chart=Chart("bar", "region", ("visits", "activities"), fmt="int"),
            filters=Filters(period="period_label", region="region"),
        ),
    ),
    pending=True,
)
