"""The sales process figures of a warehouse, read from its published marts (docs/process_analytics.md, "On the demo
company"), so the documented numbers can be regenerated rather than typed by hand:

    python -m bench.process_figures                      # the configured warehouse (make demo's)
    python -m bench.process_figures path/to/salesperf.duckdb [--build-db path/to/build.duckdb] [--json]

Everything comes from the published file except the funnel reconciliation, which compares the funnel's won row
with the won opportunities of the build database (staging.stg_raw__opportunities; the published file holds marts
only). Multi-period figures over the whole history are sums of the year rows' counts, never averages of rates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

EFFECTIVE_COURSE = "TR002"  # the demo's course with a known effect (salesperf/demo/trainings.py)

_COMPANY_YEARS = "period_type = 'year' and level = 'company' and key = ''"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    return con.execute("select max(snapshot_date) from marts.fct_pipeline").fetchone()[0]


def win_rates(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Company win rate by count and by amount per year and over the whole history (stage 1 rows carry the
    group's deal-level columns)."""
    years = _rows(
        con,
        f"""select period_label as year, deals_won, deals_lost, won_amount, lost_amount, win_rate_count,
                   win_rate_amount, avg_won_amount, median_sales_cycle_days
            from marts.fct_funnel where {_COMPANY_YEARS} and breakdown = 'all' and stage_order = 1
            order by period_start""",
    )
    won, lost = sum(y["deals_won"] for y in years), sum(y["deals_lost"] for y in years)
    won_amount = sum(y["won_amount"] or 0 for y in years)
    lost_amount = sum(y["lost_amount"] or 0 for y in years)
    return {
        "years": years,
        "all_years": {
            "deals_won": won,
            "deals_lost": lost,
            "won_amount": won_amount,
            "lost_amount": lost_amount,
            "win_rate_count": won / (won + lost) if won + lost else None,
            "win_rate_amount": won_amount / (won_amount + lost_amount) if won_amount + lost_amount else None,
        },
    }


def stage_conversion(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per open stage over the whole history: deals reaching, advancing, lost; conversion; median days per year."""
    return _rows(
        con,
        f"""select stage_order, stage, sum(entered_count) as entered, sum(advanced_count) as advanced,
                   sum(lost_count) as lost,
                   sum(advanced_count) / nullif(sum(advanced_count) + sum(lost_count), 0) as conversion,
                   min(median_days_in_stage) as min_yearly_median_days,
                   max(median_days_in_stage) as max_yearly_median_days
            from marts.fct_funnel where {_COMPANY_YEARS} and breakdown = 'all' and stage_kind = 'open'
            group by 1, 2 order by 1""",
    )


def bottlenecks(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Company bottlenecks per year, and the teams whose bottleneck is worse than the company's."""
    return _rows(
        con,
        """select period_label as year, level, key, bottleneck_kind, stage, value, company_value,
                  difference_from_company, exits, company_bottleneck_stage
           from marts.fct_funnel_bottlenecks
           where period_type = 'year' and (level = 'company' or (level = 'team' and is_worse_than_company))
           order by period_start, level, bottleneck_kind, difference_from_company desc""",
    )


def pipeline_at_as_of(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return _rows(
        con,
        """select snapshot_date, open_count, pipeline_amount, weighted_pipeline_amount, coverage_period_label,
                  weighted_pipeline_in_period_amount, coverage_target_amount, remaining_target_amount, coverage_ratio,
                  slipped_count, pushed_count, aged_count, stalled_count
           from marts.fct_pipeline where level = 'company'
             and snapshot_date = (select max(snapshot_date) from marts.fct_pipeline)""",
    )[0]


def visit_to_order(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Visits whose 30 days have passed and those followed by an order, per year and in all (month rows)."""
    return _rows(
        con,
        """select coalesce(cast(year(period_start) as varchar), 'all') as year,
                  sum(visits_with_window) as visits, sum(visits_converted) as converted,
                  sum(visits_converted) / nullif(sum(visits_with_window), 0) as rate
           from marts.fct_activity_summary where period_type = 'month'
           group by rollup (year(period_start)) order by year(period_start) nulls last""",
    )


def top_lift_pairs(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, Any]]:
    """The highest-lift pair of the year for each scope and item level."""
    return _rows(
        con,
        """select scope, item_level, item_a_name, item_b_name, pair_count, baskets, count_a, count_b, support,
                  confidence_a_to_b, confidence_b_to_a, lift
           from (select *, row_number() over (partition by scope, item_level
                                              order by lift desc, pair_count desc, item_a, item_b) as rank
                 from marts.fct_product_affinity where year = ?)
           where rank = 1 order by scope, item_level""",
        [year],
    )


def affinity_size(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        """select year, scope, item_level, count(*) as pairs from marts.fct_product_affinity
           group by 1, 2, 3 order by 1, 2, 3""",
    )


def training(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    effective = _rows(
        con,
        """select metric, effect, ci_lower, ci_upper, p_value, p_value_adjusted, relative_effect, relative_ci_lower,
                  relative_ci_upper, treated_reps, control_reps, observations, treated_pre_mean, verdict
           from marts.fct_training_effect
           where analysis = 'did' and group_type = 'course' and group_id = ? order by metric""",
        [EFFECTIVE_COURSE],
    )
    others = _rows(
        con,
        """select verdict, count(*) as estimates from marts.fct_training_effect
           where analysis = 'did' and group_type = 'course' and group_id <> ? group by 1 order by 1""",
        [EFFECTIVE_COURSE],
    )
    topics = _rows(
        con,
        """select group_id as topic, metric, effect, ci_lower, ci_upper, p_value_adjusted, verdict
           from marts.fct_training_effect
           where analysis = 'did' and group_type = 'topic' and verdict <> 'no significant effect'
           order by 1, 2""",
    )
    return {"course": EFFECTIVE_COURSE, "effective_course": effective, "other_courses": others, "topics": topics}


def satisfaction(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Company satisfaction per year and in all: responses, mean score, reorder within 180 days of dissatisfied
    (<= 2) and satisfied (>= 4) customers."""
    return _rows(
        con,
        f"""select coalesce(period_label, 'all') as year, sum(response_count) as responses,
                   sum(avg_score * response_count) / sum(response_count) as avg_score,
                   sum(dissatisfied_with_window) as dissatisfied, sum(dissatisfied_reordered) as dissatisfied_reordered,
                   sum(dissatisfied_reordered) / nullif(sum(dissatisfied_with_window), 0) as dissatisfied_reorder_rate,
                   sum(satisfied_with_window) as satisfied, sum(satisfied_reordered) as satisfied_reordered,
                   sum(satisfied_reordered) / nullif(sum(satisfied_with_window), 0) as satisfied_reorder_rate
            from marts.fct_satisfaction where {_COMPANY_YEARS}
            group by rollup (period_label) order by period_label nulls last""",
    )


def reconciliation(build_db: Path, as_of: dt.date) -> dict[str, Any]:
    """The funnel's won row (company, months) against the won opportunities up to the as-of date."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        funnel = con.execute("""
            select sum(entered_count), sum(entered_amount) from marts.fct_funnel
            where period_type = 'month' and level = 'company' and breakdown = 'all' and stage_kind = 'won'
        """).fetchone()
        deals = con.execute(
            "select count(*), sum(amount) from staging.stg_raw__opportunities "
            "where status = 'won' and coalesce(closed_date, ?) <= ?",
            [as_of, as_of],
        ).fetchone()
    finally:
        con.close()
    result = {
        "funnel_won_count": funnel[0],
        "funnel_won_amount": funnel[1],
        "opportunities_won_count": deals[0],
        "opportunities_won_amount": deals[1],
    }
    result["reconciles"] = tuple(funnel) == tuple(deals)
    return result


def figures(warehouse: Path, build_db: Path | None = None) -> dict[str, Any]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        as_of = _as_of(con)
        last_full_year = as_of.year - 1
        out: dict[str, Any] = {
            "warehouse": str(warehouse),
            "as_of": as_of,
            "win_rates": win_rates(con),
            "stage_conversion": stage_conversion(con),
            "bottlenecks": bottlenecks(con),
            "pipeline_at_as_of": pipeline_at_as_of(con),
            "visit_to_order": visit_to_order(con),
            "top_lift_pairs": {"year": last_full_year, "pairs": top_lift_pairs(con, last_full_year)},
            "affinity_size": affinity_size(con),
            "training": training(con),
            "satisfaction": satisfaction(con),
        }
    finally:
        con.close()
    if build_db is not None and build_db.exists():
        out["reconciliation"] = reconciliation(build_db, as_of)
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    if hasattr(value, "is_finite"):  # Decimal
        return f"{value:,.2f}"
    return str(value)


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    if not rows:
        print("  (none)")
        return
    print("  " + " | ".join(rows[0]))
    for row in rows:
        print("  " + " | ".join(_fmt(v) for v in row.values()))


def main(argv: list[str] | None = None) -> None:
    from salesperf.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", default=None, help="published file (default: SALESPERF_WAREHOUSE)")
    parser.add_argument("--build-db", default=None, help="build database (default: <warehouse dir>/.build/<name>/)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    warehouse = Path(args.warehouse) if args.warehouse else load_settings().warehouse
    build_db = Path(args.build_db) if args.build_db else warehouse.parent / ".build" / warehouse.stem / "build.duckdb"
    out = figures(warehouse, build_db)
    if args.json:
        print(json.dumps(out, default=str, indent=2, ensure_ascii=False))
        return
    print(f"process figures of {warehouse}, as of {out['as_of']}")
    _table("win rate, company, per year", out["win_rates"]["years"])
    _table("win rate, company, whole history", [out["win_rates"]["all_years"]])
    _table("stage conversion, company, whole history", out["stage_conversion"])
    _table("bottlenecks per year (company; teams worse than the company)", out["bottlenecks"])
    _table("pipeline at the as-of date, company", [out["pipeline_at_as_of"]])
    _table("visit-to-order conversion (30 days)", out["visit_to_order"])
    _table(f"top lift pair of {out['top_lift_pairs']['year']}", out["top_lift_pairs"]["pairs"])
    _table("fct_product_affinity rows per year x scope x item level", out["affinity_size"])
    _table(f"training effect of {EFFECTIVE_COURSE} (did)", out["training"]["effective_course"])
    _table("other courses' verdicts (did)", out["training"]["other_courses"])
    _table("topics with a verdict other than no significant effect", out["training"]["topics"])
    _table("satisfaction and reorders within 180 days, company", out["satisfaction"])
    if "reconciliation" in out:
        _table("funnel reconciliation (won row vs won opportunities)", [out["reconciliation"]])


if __name__ == "__main__":
    main()
