"""Sales process (funnel, win rate by lead source, pipeline coverage, visits: sections/process_parts.py) and
risk alerts (销售风险预警). Collections and receivables: sections/collections.py."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, Section
from salesperf.report.sections.process_parts import FUNNEL, FUNNEL_SOURCES, PIPELINE, VISITS

SEVERITIES = ("high", "medium")

# Open alerts (fct_risk_alerts keeps resolved ones as history): counts per region, and over all alerts as
# region '' (alerts of teams and product lines have no region).
ALERT_COUNTS_SQL = """
select alert_type, severity, case when grouping(region) = 1 then '' else region end as region, count(*) as alerts
from marts.fct_risk_alerts
where status <> 'resolved'
group by grouping sets ((alert_type, severity), (alert_type, severity, region))
having grouping(region) = 1 or region is not null
order by alert_type, severity, region
"""

# The alert list embeds the ALERT_LIST_PER_REGION alerts with the most money at risk in each region (and among
# alerts without a region): at the 10M-line benchmark the uncapped list was 16 MB of a 25 MB report, no longer a
# file to e-mail. The global top ALERT_LIST_PER_REGION is always inside it; the whole list is fct_risk_alerts.
ALERT_LIST_PER_REGION = 200
ALERT_ORDER = (
    "money_at_risk desc, case severity when 'high' then 0 else 1 end, alert_type, entity_type, entity_id, period_start"
)
ALERTS_SQL = f"""
select alert_type, severity, entity_type, entity_id, entity_name, coalesce(region, '') as region,
       case period_type when 'quarter' then strftime(period_start, '%Y') || '-Q' || quarter(period_start)
                        when 'year' then strftime(period_start, '%Y')
                        when 'month' then strftime(period_start, '%Y-%m') end as period_label,
       metric_value, threshold_value, money_at_risk, details, detected_on
from marts.fct_risk_alerts
where status <> 'resolved'
qualify row_number() over (partition by coalesce(region, '') order by {ALERT_ORDER}) <= {ALERT_LIST_PER_REGION}
order by {ALERT_ORDER}
"""

# Each manager's digest (fct_risk_alert_digest: open alerts by money at risk, capped), managers with the most money
# at risk first; a manager's rows carry the manager's region (the region filter shows that region's managers; the
# company-wide list, manager_id NULL, has region '' and shows when no region is selected).
DIGEST_SQL = """
select coalesce(d.manager_id, '') as manager_id, d.manager_name, coalesce(m.region, '') as region,
       d.manager_open_alerts, d.manager_money_at_risk, d.digest_rank, d.alert_type, d.severity, d.status,
       d.entity_type, d.entity_id, d.entity_name, d.money_at_risk, d.reason_zh, d.reason_en, d.first_detected_on
from marts.fct_risk_alert_digest d
left join marts.dim_rep m on m.rep_id = d.manager_id
order by d.manager_id is null, d.manager_money_at_risk desc, d.manager_id, d.digest_rank
"""

DIGEST = Part(
    "alert_digest",
    ("fct_risk_alert_digest", "dim_rep"),
    DIGEST_SQL,
    (
        Block(
            "alert_digest",
            "blk_alert_digest",
            "alert_digest",
            (
                Field("digest_rank", "rank", "int"),
                Field("severity", "severity", "enum"),
                Field("alert_type", "alert_type", "enum"),
                Field("entity_name", "entity"),
                Field("money_at_risk", "money_at_risk", "money"),
                Field("reason", "reason", "localized"),
                Field("status", "status", "enum"),
                Field("first_detected_on", "first_detected_on", "date"),
            ),
            filters=Filters(region="region"),
            notes=("note_alert_digest",),
            group=(
                Field("manager_name", "manager"),
                Field("region", "region"),
                Field("manager_open_alerts", "open_alerts", "int"),
                Field("manager_money_at_risk", "money_at_risk", "money"),
            ),
        ),
    ),
)

SECTION = Section(
    "process",
    "sec_process",
    (
        FUNNEL,
        FUNNEL_SOURCES,
        PIPELINE,
        VISITS,
        Part(
            "alert_counts",
            ("fct_risk_alerts",),
            ALERT_COUNTS_SQL,
            (
                Block(
                    "alerts",
                    "blk_alerts",
                    "alert_counts",
                    (
                        Field("alert_type", "alert_type", "enum"),
                        Field("severity", "severity", "enum"),
                        Field("alerts", "alerts", "int"),
                    ),
                    chart=Chart(
                        "bar",
                        "alert_type",
                        ("alerts",),
                        fmt="int",
                        stack=True,
                        split_by="severity",
                        split_values=SEVERITIES,
                        category_fmt="enum",
                    ),
                    filters=Filters(region="region", region_scope=True),
                ),
            ),
        ),
        DIGEST,
        Part(
            "alerts",
            ("fct_risk_alerts",),
            ALERTS_SQL,
            (
                Block(
                    "alert_list",
                    "blk_alert_list",
                    "alerts",
                    (
                        Field("severity", "severity", "enum"),
                        Field("alert_type", "alert_type", "enum"),
                        Field("entity_name", "entity"),
                        Field("region", "region"),
                        Field("period_label", "period"),
                        Field("money_at_risk", "money_at_risk", "money"),
                        Field("details", "details"),
                    ),
                    filters=Filters(region="region"),
                    notes=("note_alert_list",),
                ),
            ),
        ),
    ),
)
