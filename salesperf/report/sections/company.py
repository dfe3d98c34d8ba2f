"""Company (or, with a region selected, that region): period and year-to-date figures, monthly trend."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, Section, in_window
from salesperf.report.source import Context

# Period figures of the company and every region. The period-end forecast of an open or future period is
# the actual of its months before the as-of month plus the forecast of the others (the as-of month
# included: its forecast is for the whole month); its interval sums the months' bounds, which is exact
# only if the months' errors move together, so it is on the wide side (said on the page).
KPIS_SQL = f"""
with periods as (
    select * from marts.fct_attainment where level in ('company', 'region') and {in_window()}
),
months as (
    select p.level, p.key, p.period_type, p.period_start,
           unnest(generate_series(p.period_start, p.period_end, interval 1 month))::date as month
    from periods p
    where p.period_status in ('open', 'future')
),
ends as (
    select m.level, m.key, m.period_type, m.period_start,
           bool_and(m.month < date_trunc('month', $as_of::date) or f.forecast is not null) as complete,
           sum(case when m.month < date_trunc('month', $as_of::date) then coalesce(a.actual_amount, 0)
                    else f.forecast end) as forecast_end,
           sum(case when m.month < date_trunc('month', $as_of::date) then coalesce(a.actual_amount, 0)
                    else f.lower end) as forecast_lower,
           sum(case when m.month < date_trunc('month', $as_of::date) then coalesce(a.actual_amount, 0)
                    else f.upper end) as forecast_upper
    from months m
    left join marts.fct_attainment a
      on a.level = m.level and a.key = m.key and a.period_type = 'month' and a.period_start = m.month
    left join {{forecast}} f on f.level = m.level and f.key = m.key and f.month = m.month
    group by all
)
select p.key as scope, p.period_type, p.period_label, year(p.period_start) as year,
       p.period_status as status,
       p.actual_amount as actual, p.target_amount as target, p.stretch_target_amount as stretch,
       p.attainment_pct as attainment, p.run_rate_amount as run_rate,
       p.projected_attainment_pct as projected_attainment,
       p.workdays_in_period as workdays, p.workdays_in_period - p.workdays_elapsed as workdays_left,
       case when e.complete then e.forecast_end end as forecast_end,
       case when e.complete then e.forecast_lower end as forecast_lower,
       case when e.complete then e.forecast_upper end as forecast_upper
from periods p
left join ends e using (level, key, period_type, period_start)
order by scope, p.period_type, p.period_start
"""

# Months of the covered years for the company and every region: actual (months begun), target, forecast
# with its interval, and the same month a year earlier.
TREND_SQL = """
with months as (
    select unnest(generate_series(make_date($first_year, 1, 1), make_date($last_year, 12, 1), interval 1 month))::date
        as month
),
scopes as (select distinct level, key from marts.fct_attainment where level in ('company', 'region'))
select s.key as scope, strftime(m.month, '%Y-%m') as month_label, year(m.month) as year,
       case when m.month <= $as_of::date then coalesce(a.actual_amount, 0) end as actual,
       a.target_amount as target,
       f.forecast, f.lower as forecast_lower, f.upper as forecast_upper, f.upper - f.lower as band_width,
       ly.actual_amount as last_year
from scopes s
cross join months m
left join marts.fct_attainment a
  on a.level = s.level and a.key = s.key and a.period_type = 'month' and a.period_start = m.month
left join {forecast} f on f.level = s.level and f.key = s.key and f.month = m.month
left join marts.fct_attainment ly
  on ly.level = s.level and ly.key = s.key and ly.period_type = 'month'
 and ly.period_start = (m.month - interval 1 year)::date
order by scope, m.month
"""

# Without a published forecast (forecasting switched off, or `make bench`, which has no forecasting stage) the
# figures and the trend are still drawn, with empty forecast columns.
NO_FORECAST = (
    "(select null::varchar as level, null::varchar as key, null::date as month, null::double as forecast, "
    "null::double as lower, null::double as upper where false)"
)


def with_forecast(sql: str):
    def render(ctx: Context) -> str:
        return sql.format(forecast="marts.fct_sales_forecast" if ctx.has("fct_sales_forecast") else NO_FORECAST)

    return render


KPI_FIELDS = (
    Field("period_label", "period"),
    Field("status", "status", "enum"),
    Field("actual", "actual", "money"),
    Field("target", "target", "money"),
    Field("stretch", "stretch", "money"),
    Field("attainment", "attainment", "pct"),
    Field("run_rate", "run_rate", "money"),
    Field("projected_attainment", "projected_attainment", "pct"),
    Field("workdays_left", "workdays_left", "int"),
    Field("forecast_end", "forecast_end", "money"),
    Field("forecast_lower", "forecast_lower", "money"),
    Field("forecast_upper", "forecast_upper", "money"),
)
SCOPE = dict(region="scope", region_scope=True)

SECTION = Section(
    "company",
    "sec_company",
    (
        Part(
            "company_kpis",
            ("fct_attainment",),
            with_forecast(KPIS_SQL),
            (
                Block(
                    "kpi_period",
                    "blk_kpi_period",
                    "company_kpis",
                    KPI_FIELDS,
                    cards=True,
                    filters=Filters(period="period_label", **SCOPE),
                    notes=("interval_note",),
                ),
                Block(
                    "kpi_year",
                    "blk_kpi_year",
                    "company_kpis",
                    KPI_FIELDS,
                    cards=True,
                    where={"period_type": "year"},
                    filters=Filters(year="year", **SCOPE),
                ),
            ),
        ),
        Part(
            "company_trend",
            ("fct_attainment",),
            with_forecast(TREND_SQL),
            (
                Block(
                    "trend",
                    "blk_trend",
                    "company_trend",
                    (
                        Field("month_label", "month"),
                        Field("actual", "actual", "money"),
                        Field("target", "target", "money"),
                        Field("forecast", "forecast", "money"),
                        Field("forecast_lower", "forecast_lower", "money"),
                        Field("forecast_upper", "forecast_upper", "money"),
                        Field("last_year", "last_year", "money"),
                    ),
                    chart=Chart(
                        "line",
                        "month_label",
                        ("actual", "target", "forecast", "last_year"),
                        band=("forecast_lower", "forecast_upper", "band_width"),
                        height=340,
                    ),
                    filters=Filters(year="year", **SCOPE),
                ),
            ),
        ),
    ),
)
