"""Risk alerts (销售风险预警) as SQL over the marts, run in DuckDB inside the forecasting asset.

Why here and not in dbt: the attainment rule needs `marts.fct_sales_forecast`, which exists only after the
models are fitted (after dbt), and keeping the five rules together keeps their thresholds in one file
(`forecasting.yml`, section `alerts`). Each rule is one SELECT returning the columns of ALERT_COLUMNS.

Inputs: marts.fct_sales, dim_rep, dim_customer, dim_date, fct_attainment, fct_sales_forecast and the staging
views stg_raw__opportunities and stg_raw__activities. `detected_on` is the as-of date of the run. The rows of
the alert rules written as dbt models in the same columns are appended as they are (DBT_ALERT_MODELS).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from forecasting.calendar import last_complete_month
from salesperf.config.forecasting import AlertSettings

ALERT_COLUMNS = (
    "alert_type",
    "entity_type",
    "entity_id",
    "entity_name",
    "region",
    "severity",
    "detected_on",
    "period_type",
    "period_start",
    "metric_value",
    "threshold_value",
    "details",
)


def _money(expr: str) -> str:
    """SQL rendering an amount as ¥1,234,567."""
    return "format('¥{:,.0f}', " + expr + ")"


CHURN_SQL = f"""
with days as (
    select customer_id, order_date, sum(net_amount) as amount
    from marts.fct_sales where is_creditable group by all
),
gaps as (
    select *, datediff('day', lag(order_date) over (partition by customer_id order by order_date), order_date) as gap
    from days
),
stats as (
    select customer_id, count(*) as order_days, max(order_date) as last_order, median(gap) as usual_gap,
           coalesce(sum(amount) filter (where order_date > $as_of - to_months($trend_months)), 0) as recent_amount,
           coalesce(sum(amount) filter (where order_date > $as_of - to_months($trend_months + 12)
                                        and order_date <= $as_of - to_months(12)), 0) as prior_amount
    from gaps group by all
),
scored as (
    select *, datediff('day', last_order, $as_of) as silence,
           datediff('day', last_order, $as_of) / nullif(usual_gap, 0) as gap_ratio,
           recent_amount / nullif(prior_amount, 0) as trend_ratio
    from stats
    where order_days >= $min_orders and datediff('day', last_order, $as_of) <= $max_silence_days
),
flagged as (
    select *,
        silence >= $min_silence_days and gap_ratio > $gap_multiple as is_silent,
        prior_amount >= $min_prior_amount and trend_ratio <= 1 - $trend_drop as is_falling
    from scored
)
select 'customer_churn_risk' as alert_type, 'customer' as entity_type, f.customer_id as entity_id,
       c.customer_name as entity_name, c.region,
       case when (is_silent and gap_ratio > $high_gap_multiple)
                 or (is_falling and trend_ratio <= 1 - $high_trend_drop) then 'high' else 'medium' end as severity,
       $as_of::date as detected_on, null::varchar as period_type, null::date as period_start,
       case when is_silent then gap_ratio else trend_ratio end::double as metric_value,
       case when is_silent then $gap_multiple else 1 - $trend_drop end::double as threshold_value,
       concat_ws('; ',
           case when is_silent then format(
               '{{}} days since the last order on {{}}, {{:.1f}}x the usual gap of {{}} days',
               silence, last_order, gap_ratio, round(usual_gap)::int) end,
           case when is_falling then format('last {{}} months {{}} vs {{}} a year earlier ({{:+.0f}}%)', $trend_months,
                                            {_money("recent_amount")}, {_money("prior_amount")},
                                            100 * (trend_ratio - 1)) end,
           'owner ' || coalesce(c.owner_rep_id, '?')) as details
from flagged f left join marts.dim_customer c using (customer_id)
where is_silent or is_falling
"""

CANCELLATION_SQL = """
with lines as (
    select s.rep_id, coalesce(s.region, r.region) as region, s.order_date, s.status = 'cancelled' as cancelled,
           s.order_date > $as_of - to_days($window_days) as recent
    from marts.fct_sales s left join marts.dim_rep r using (rep_id)
    where s.order_date <= $as_of and s.order_date > $as_of - to_days($window_days + $baseline_days)
),
entities as (
    select 'rep' as entity_type, rep_id as entity_id, * from lines
    where list_contains($levels, 'rep') and rep_id is not null
    union all
    select 'region', region, * from lines where list_contains($levels, 'region') and region is not null
),
rates as (
    select entity_type, entity_id,
           count(*) filter (where recent) as recent_lines,
           count(*) filter (where recent and cancelled) as recent_cancelled,
           count(*) filter (where not recent) as base_lines,
           count(*) filter (where not recent and cancelled) as base_cancelled
    from entities group by all
),
scored as (
    select *, recent_cancelled / recent_lines as recent_rate,
           -- no cancellation in the baseline: count it as one, so a single bad month is not an infinite spike
           greatest(base_cancelled, 1) / greatest(base_lines, 1) as base_rate
    from rates where recent_lines > 0 and recent_cancelled >= $min_cancelled_lines
)
select 'cancellation_spike', s.entity_type, s.entity_id,
       case when s.entity_type = 'rep' then r.rep_name else s.entity_id end,
       case when s.entity_type = 'rep' then r.region else s.entity_id end,
       case when recent_rate > $high_rate_multiple * base_rate then 'high' else 'medium' end,
       $as_of::date, null, null::date, recent_rate::double, ($rate_multiple * base_rate)::double,
       format('{}/{} order lines cancelled in the last {} days ({:.1f}%) vs {:.1f}% over the {} days before',
              recent_cancelled, recent_lines, $window_days, 100 * recent_rate, 100 * base_rate, $baseline_days)
from scored s left join marts.dim_rep r on s.entity_type = 'rep' and r.rep_id = s.entity_id
where recent_rate > $rate_multiple * base_rate
"""

ATTAINMENT_SQL = f"""
with periods as (
    select a.period_type, a.period_start, a.period_end, a.level, a.key, a.target_amount, a.actual_amount
    from marts.fct_attainment a
    where a.period_status = 'open' and list_contains($period_types, a.period_type) and list_contains($levels, a.level)
      and a.target_amount > 0
),
closed as (  -- actuals of the period's complete months
    select p.period_type, p.period_start, p.level, p.key, sum(m.actual_amount) as amount
    from periods p join marts.fct_attainment m
      on m.period_type = 'month' and m.level = p.level and m.key = p.key
     and m.period_start between p.period_start and $last_complete_month
    group by all
),
forecast as (  -- forecast of the months after the last complete one up to the period end
    select p.period_type, p.period_start, p.level, p.key,
           sum(f.forecast) filter (where f.month > date_trunc('month', $as_of::date)) as future,
           max(f.forecast) filter (where f.month = date_trunc('month', $as_of::date)) as current_month,
           count(*) as months
    from periods p join marts.fct_sales_forecast f
      on f.level = p.level and f.key = p.key and f.month > $last_complete_month and f.month <= p.period_end
    group by all
),
current_month as (
    select level, key, actual_amount from marts.fct_attainment
    where period_type = 'month' and period_start = date_trunc('month', $as_of::date)
      and period_start > $last_complete_month
),
workdays as (
    select p.period_type, p.period_start, p.level, p.key,
           count(*) filter (where d.is_workday and d.date <= $as_of) as elapsed,
           count(*) filter (where d.is_workday) as total
    from periods p join marts.dim_date d on d.date between p.period_start and p.period_end
    group by all
),
projected as (
    select p.*,
           p.actual_amount * w.total / nullif(w.elapsed, 0) as run_rate_projection,
           case when fc.months is not null then coalesce(cl.amount, 0)
                + greatest(coalesce(fc.current_month, 0), coalesce(cm.actual_amount, 0))
                + coalesce(fc.future, 0) end as forecast_projection
    from periods p
    left join closed cl using (period_type, period_start, level, key)
    left join forecast fc using (period_type, period_start, level, key)
    left join current_month cm using (level, key)
    left join workdays w using (period_type, period_start, level, key)
),
scored as (
    select *, coalesce(forecast_projection, run_rate_projection) as projection,
           case when forecast_projection is not null then 'forecast' else 'run-rate' end as basis,
           coalesce(forecast_projection, run_rate_projection) / target_amount as projected_pct
    from projected where coalesce(forecast_projection, run_rate_projection) is not null
)
select 'attainment_at_risk', s.level, s.key,
       case when s.level = 'rep' then r.rep_name when s.level = 'company' then 'company' else s.key end,
       case when s.level = 'rep' then r.region when s.level = 'region' then s.key end,
       case when projected_pct < $high_share then 'high' else 'medium' end,
       $as_of::date, s.period_type, s.period_start, projected_pct::double, $share::double,
       format('{{}} {{}}: projected {{}} by {{}} ({{}}), {{:.0f}}% of the target {{}}; '
              || 'actual to date {{}}, run-rate {{}}',
              s.period_type, strftime(s.period_start, '%Y-%m'), {_money("projection")}, s.period_end, basis,
              100 * projected_pct, {_money("target_amount")}, {_money("actual_amount")},
              coalesce({_money("run_rate_projection")}, 'n/a'))
from scored s left join marts.dim_rep r on s.level = 'rep' and r.rep_id = s.key
where projected_pct < $share and (s.level <> 'rep' or r.is_active)
"""

VISITS_SQL = """
with reps as (
    select rep_id, rep_name, region from marts.dim_rep
    where is_active and hire_date <= $as_of - to_days($window_days + $baseline_days)
),
visits as (
    select a.rep_id,
           count(*) filter (where a.activity_date > $as_of - to_days($window_days)) as recent,
           count(*) filter (where a.activity_date <= $as_of - to_days($window_days)) as baseline
    from staging.stg_raw__activities a join reps using (rep_id)
    where list_contains($activity_types, a.activity_type) and a.activity_date <= $as_of
      and a.activity_date > $as_of - to_days($window_days + $baseline_days)
    group by all
),
workdays as (
    select count(*) filter (where is_workday and date > $as_of - to_days($window_days)) as recent_days,
           count(*) filter (where is_workday and date <= $as_of - to_days($window_days)) as baseline_days
    from marts.dim_date
    where date <= $as_of and date > $as_of - to_days($window_days + $baseline_days)
),
scored as (
    select r.*, coalesce(v.recent, 0) as recent, v.baseline,
           coalesce(v.recent, 0) / nullif(w.recent_days, 0) as recent_rate,
           v.baseline / nullif(w.baseline_days, 0) as baseline_rate
    from reps r join visits v using (rep_id) cross join workdays w
    where v.baseline >= $min_baseline_visits
)
select 'visit_drop', 'rep', rep_id, rep_name, region,
       case when recent_rate <= (1 - $high_drop) * baseline_rate then 'high' else 'medium' end,
       $as_of::date, null, null::date, (recent_rate / baseline_rate)::double, (1 - $drop)::double,
       format('{} visits in the last {} days ({:.2f} per workday) vs {:.2f} per workday over the {} days before '
              || '({:+.0f}%)', recent, $window_days, recent_rate, baseline_rate, $baseline_days,
              100 * (recent_rate / baseline_rate - 1))
from scored
where recent_rate < (1 - $drop) * baseline_rate
"""

PIPELINE_SQL = f"""
with period as (
    select a.level, a.key, a.period_start, a.period_end, a.target_amount, a.actual_amount,
           greatest(a.target_amount - a.actual_amount, 0) as remaining
    from marts.fct_attainment a
    where a.period_status = 'open' and a.period_type = $period_type and list_contains($levels, a.level)
      and a.target_amount > 0
),
open_opps as (  -- open and expected to close between the as-of date and the period end; overdue ones are stale
    select o.owner_rep_id as rep_id, r.region, o.amount, o.expected_close_date
    from staging.stg_raw__opportunities o left join marts.dim_rep r on r.rep_id = o.owner_rep_id
    where o.status = 'open' and o.expected_close_date >= $as_of
),
coverage as (
    select p.*, coalesce(sum(o.amount) filter (where o.expected_close_date <= p.period_end), 0) as pipeline
    from period p left join open_opps o
      on (p.level = 'rep' and o.rep_id = p.key) or (p.level = 'region' and o.region = p.key)
    group by all
)
select 'thin_pipeline', c.level, c.key, case when c.level = 'rep' then r.rep_name else c.key end,
       case when c.level = 'rep' then r.region else c.key end,
       case when pipeline < $high_coverage_multiple * remaining then 'high' else 'medium' end,
       $as_of::date, $period_type, c.period_start, (pipeline / remaining)::double, $coverage_multiple::double,
       format('open pipeline closing by {{}} is {{}}, {{:.2f}}x the remaining target {{}} (target {{}}, actual {{}})',
              c.period_end, {_money("pipeline")}, pipeline / remaining, {_money("remaining")},
              {_money("target_amount")}, {_money("actual_amount")})
from coverage c left join marts.dim_rep r on c.level = 'rep' and r.rep_id = c.key
where remaining > 0 and pipeline < $coverage_multiple * remaining and (c.level <> 'rep' or r.is_active)
"""


def rule_queries(settings: AlertSettings, as_of: dt.date) -> list[tuple[str, str, dict]]:
    """(alert_type, SQL, parameters) of every rule."""
    base = {"as_of": as_of}
    churn, cancel, att, visits, pipe = (
        settings.churn,
        settings.cancellation,
        settings.attainment,
        settings.visits,
        settings.pipeline,
    )
    return [
        ("customer_churn_risk", CHURN_SQL, base | churn.model_dump()),
        ("cancellation_spike", CANCELLATION_SQL, base | cancel.model_dump()),
        (
            "attainment_at_risk",
            ATTAINMENT_SQL,
            base | att.model_dump() | {"last_complete_month": last_complete_month(as_of)},
        ),
        ("visit_drop", VISITS_SQL, base | visits.model_dump()),
        ("thin_pipeline", PIPELINE_SQL, base | pipe.model_dump()),
    ]


def _used(sql: str, params: dict) -> dict:
    return {k: v for k, v in params.items() if f"${k}" in sql}


# Alert rules written as dbt models with the columns of ALERT_COLUMNS, unioned into fct_risk_alerts as they are:
# overdue receivables (issue 13, 回款预警), stalled deals (issue 17, thresholds in process.yml) and data quality
# (rows held for an unknown rep, rows quarantined at ingestion: docs/data_quality.md). Included when the table
# exists (a database built before they existed has none). Issue 15 moves every rule into dbt.
DBT_ALERT_MODELS = (
    "intermediate.int_alerts_overdue_receivables",
    "marts.fct_stalled_deal_alerts",
    "intermediate.int_alerts_data_quality",
)


def dbt_alert_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The DBT_ALERT_MODELS that exist in the build database."""
    found = {
        f"{schema}.{table}"
        for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    }
    return [t for t in DBT_ALERT_MODELS if t in found]


def alerts_sql(
    settings: AlertSettings, as_of: dt.date, dbt_tables: tuple[str, ...] | list[str] = ()
) -> tuple[str, dict]:
    """All rules as one UNION ALL query (parameters prefixed per rule), ordered for reading; `dbt_tables`: alert
    tables built by dbt (dbt_alert_tables) added as they are."""
    parts, params = [], {}
    for i, (_name, sql, rule_params) in enumerate(rule_queries(settings, as_of)):
        used = _used(sql, rule_params)
        for key in sorted(used, key=len, reverse=True):
            sql = sql.replace(f"${key}", f"$r{i}_{key}")
        params |= {f"r{i}_{k}": v for k, v in used.items()}
        parts.append(f"select * from ({sql})")
    columns = ", ".join(ALERT_COLUMNS)
    parts += [f"select {columns} from {table}" for table in dbt_tables]
    query = (
        f"select {columns} from ("
        + " union all ".join(f"select * from ({p}) as t({columns})" for p in parts)
        + ") order by alert_type, case severity when 'high' then 0 else 1 end, entity_type, entity_id, period_type"
    )
    return query, params


def compute_alerts(con: duckdb.DuckDBPyConnection, settings: AlertSettings, as_of: dt.date):
    """The alerts as a DataFrame (the forecast table must already exist in `con`)."""
    query, params = alerts_sql(settings, as_of, dbt_alert_tables(con))
    return con.execute(query, params).df()
