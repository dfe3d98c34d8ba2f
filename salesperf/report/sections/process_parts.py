"""The sales process parts of the report (issue 17): funnel, win rate by lead source, pipeline coverage, visits.

Each reads one process mart (docs/process_analytics.md) for the report's quarters and years; the company rows
carry region '' (shown when no region is selected).
"""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, in_window

COMPANY_OR_REGION = Filters(period="period_label", region="region", region_scope=True)
BY_REGION = Filters(period="period_label", region="region")

FUNNEL = Part(
    "funnel",
    ("fct_funnel",),
    f"""
select case when level = 'company' then '' else key end as region, period_label, stage, stage_order,
       entered_count as entered, entered_amount as amount, stage_conversion_rate as conversion,
       stage_to_win_rate as to_win, median_days_in_stage as median_days
from marts.fct_funnel
where breakdown = 'all' and level in ('company', 'region') and {in_window()}
order by period_start, region, stage_order
""",
    (
        Block(
            "funnel",
            "blk_funnel",
            "funnel",
            (
                Field("stage", "stage"),
                Field("entered", "entered", "int"),
                Field("amount", "amount", "money"),
                Field("conversion", "conversion", "pct"),
                Field("to_win", "to_win", "pct"),
                Field("median_days", "median_days", "num"),
            ),
            chart=Chart("funnel", "stage", ("entered",), fmt="int"),
            filters=COMPANY_OR_REGION,
            notes=("note_funnel",),
        ),
    ),
)

FUNNEL_SOURCES = Part(
    "funnel_sources",
    ("fct_funnel",),
    f"""
select case when level = 'company' then '' else key end as region, period_label, breakdown_value as source,
       deals_won as won, deals_lost as lost, win_rate_count as win_rate, won_amount
from marts.fct_funnel
where breakdown = 'source' and level in ('company', 'region') and stage_order = 1 and {in_window()}
order by period_start, region, breakdown_value
""",
    (
        Block(
            "win_by_source",
            "blk_win_by_source",
            "funnel_sources",
            (
                Field("source", "source"),
                Field("won", "won", "int"),
                Field("lost", "lost", "int"),
                Field("win_rate", "win_rate", "pct"),
                Field("won_amount", "won_amount", "money"),
            ),
            chart=Chart("bar", "source", ("win_rate",), fmt="pct"),
            filters=COMPANY_OR_REGION,
            sort=("win_rate", "desc"),
        ),
    ),
)

# The pipeline as it stood at each period's end (the as-of date for the open period): open deals, weighted by
# stage, and the coverage of the quarter after the snapshot day (fct_pipeline.coverage_period_label).
PIPELINE = Part(
    "pipeline",
    ("fct_pipeline", "dim_period"),
    f"""
with periods as (
    select period_label, case when period_end > $as_of then $as_of else period_end end as snapshot_end
    from marts.dim_period
    where {in_window()} and period_start <= $as_of
)
select f.key as region, p.period_label, f.snapshot_date, f.open_count as open_deals, f.pipeline_amount as pipeline,
       f.weighted_pipeline_amount as weighted, f.coverage_period_label as coverage_period, f.coverage_ratio as coverage,
       f.slipped_count as slipped, f.stalled_count as stalled
from marts.fct_pipeline f
join periods p on f.month_start = date_trunc('month', p.snapshot_end)
where f.level = 'region'
order by p.period_label, f.key
""",
    (
        Block(
            "pipeline",
            "blk_pipeline",
            "pipeline",
            (
                Field("region", "region"),
                Field("open_deals", "open_deals", "int"),
                Field("pipeline", "pipeline", "money"),
                Field("weighted", "weighted", "money"),
                Field("coverage_period", "coverage_period"),
                Field("coverage", "coverage", "score"),
                Field("slipped", "slipped", "int"),
                Field("stalled", "stalled", "int"),
            ),
            chart=Chart("bar", "region", ("coverage",), fmt="score", mark=1.0),
            filters=BY_REGION,
            notes=("note_pipeline",),
        ),
    ),
)

_VISIT_SUMS = """sum(visit_count) as visits, sum(activity_count) as activities,
       sum(visits_converted) / nullif(sum(visits_with_window), 0) as visit_to_order,
       sum(won_deals) as won_deals"""

VISITS = Part(
    "visits",
    ("fct_activity_summary",),
    f"""
select region, period_label, visits, activities, visit_to_order, won_deals
from (
    select region, strftime(quarter_start, '%Y') || '-Q' || quarter(quarter_start) as period_label,
           year(period_start) as y, {_VISIT_SUMS}
    from marts.fct_activity_summary where period_type = 'month'
    group by 1, 2, 3
    union all
    select region, strftime(period_start, '%Y'), year(period_start), {_VISIT_SUMS}
    from marts.fct_activity_summary where period_type = 'month'
    group by 1, 2, 3
) as v
where y between $first_year and $last_year
order by period_label, region
""",
    (
        Block(
            "visits",
            "blk_visits",
            "visits",
            (
                Field("region", "region"),
                Field("visits", "visits", "int"),
                Field("activities", "activities", "int"),
                Field("visit_to_order", "visit_to_order", "pct"),
                Field("won_deals", "won_deals", "int"),
            ),
            chart=Chart("bar", "region", ("visits", "activities"), fmt="int"),
            filters=BY_REGION,
        ),
    ),
)
