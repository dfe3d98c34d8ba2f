"""What the report must embed, computed afresh from the published marts for test_report_browser.py.

Written independently of salesperf/report/sections: plain queries of each mart, the derived figures
(period-end forecast, shares, roll-ups of commission statements, alert counts) computed here in Python.
expected_datasets(con) -> {dataset: (key fields, {key: {field: value}})}.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from salesperf.report.sections.process import ALERT_LIST_PER_REGION
from tests.report_fresh_process import PROCESS_DATASETS, FreshProcess

UNASSIGNED = "未分配"


def _f(v):
    return float(v) if isinstance(v, Decimal) else v


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [{c: _f(v) for c, v in zip(cols, r, strict=True)} for r in cur.fetchall()]


def _months(start: dt.date, end: dt.date):
    m = start.replace(day=1)
    while m <= end:
        yield m
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _quarter(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


class Fresh(FreshProcess):
    def __init__(self, con):
        self.con = con
        self.as_of: dt.date = con.execute("select as_of from audit.warehouse_info").fetchone()[0]
        self.years = (self.as_of.year - 1, self.as_of.year)  # the report's default: two calendar years
        self.reps = {r["rep_id"]: r for r in _rows(con, "select rep_id, rep_name, region, team from marts.dim_rep")}
        teams: dict[str, Counter] = defaultdict(Counter)
        for r in self.reps.values():
            if r["team"]:
                teams[r["team"]][r["region"]] += 1
        self.team_region = {t: c.most_common(1)[0][0] for t, c in teams.items()}

    def label(self, rep_id: str) -> str:
        return f"{(self.reps.get(rep_id) or {}).get('rep_name') or rep_id} {rep_id}"

    def in_window(self, table: str, where: str = "true") -> list[dict]:
        return _rows(
            self.con,
            f"select * from marts.{table} where {where} and period_type in ('quarter', 'year') "
            "and year(period_start) between ? and ?",
            list(self.years),
        )

    def month_actuals(self) -> dict:
        rows = _rows(
            self.con,
            "select level, key, period_start, actual_amount, target_amount from marts.fct_attainment "
            "where period_type = 'month' and level in ('company', 'region')",
        )
        return {(r["level"], r["key"], r["period_start"]): r for r in rows}

    def forecasts(self) -> dict:
        rows = _rows(self.con, "select level, key, month, forecast, lower, upper from marts.fct_sales_forecast")
        return {(r["level"], r["key"], r["month"]): r for r in rows}

    def company_kpis(self):
        months, forecasts, out = self.month_actuals(), self.forecasts(), {}
        as_of_month = self.as_of.replace(day=1)
        for r in self.in_window("fct_attainment", "level in ('company', 'region')"):
            end = {"forecast_end": None, "forecast_lower": None, "forecast_upper": None}
            if r["period_status"] in ("open", "future"):
                # e.g. 2025-Q4 as of 2025-11-15: October's actual + November's and December's forecasts
                parts = []
                for m in _months(r["period_start"], r["period_end"]):
                    if m < as_of_month:
                        a = months.get((r["level"], r["key"], m), {}).get("actual_amount") or 0.0
                        parts.append((a, a, a))
                    elif (r["level"], r["key"], m) in forecasts:
                        f = forecasts[(r["level"], r["key"], m)]
                        parts.append((f["forecast"], f["lower"], f["upper"]))
                    else:
                        parts = None
                        break
                if parts:
                    end = dict(zip(end, (sum(p[i] for p in parts) for i in range(3)), strict=True))
            out[(r["key"], r["period_label"])] = {
                "status": r["period_status"],
                "actual": r["actual_amount"],
                "target": r["target_amount"],
                "stretch": r["stretch_target_amount"],
                "attainment": r["attainment_pct"],
                "run_rate": r["run_rate_amount"],
                "projected_attainment": r["projected_attainment_pct"],
                "workdays_left": r["workdays_in_period"] - r["workdays_elapsed"],
                **end,
            }
        return ("scope", "period_label"), out

    def company_trend(self):
        months, forecasts, out = self.month_actuals(), self.forecasts(), {}
        scopes = {(lv, k) for lv, k, _ in months}
        for level, key in scopes:
            for m in _months(dt.date(self.years[0], 1, 1), dt.date(self.years[1], 12, 1)):
                a = months.get((level, key, m), {})
                f = forecasts.get((level, key, m), {})
                ly = months.get((level, key, m.replace(year=m.year - 1)), {})
                out[(key, m.strftime("%Y-%m"))] = {
                    "actual": (a.get("actual_amount") or 0.0) if m <= self.as_of else None,
                    "target": a.get("target_amount"),
                    "forecast": f.get("forecast"),
                    "forecast_lower": f.get("lower"),
                    "forecast_upper": f.get("upper"),
                    "band_width": f["upper"] - f["lower"] if f else None,
                    "last_year": ly.get("actual_amount"),
                }
        return ("scope", "month_label"), out

    def attainment_units(self):
        out = {}
        for r in self.in_window("fct_attainment", "level in ('region', 'team', 'rep')"):
            if not (r["actual_amount"] != 0 or (r["target_amount"] or 0) != 0):
                continue
            lv, key = r["level"], r["key"]
            region = key if lv == "region" else self.team_region.get(key) if lv == "team" else self.reps[key]["region"]
            out[(lv, key, r["period_label"])] = {
                "label": self.label(key) if lv == "rep" else key,
                "region": region,
                "status": r["period_status"],
                "actual": r["actual_amount"],
                "target": r["target_amount"],
                "attainment": r["attainment_pct"],
                "projected_attainment": r["projected_attainment_pct"],
                "gap": r["gap_amount"],
            }
        return ("level", "key", "period_label"), out

    def leaderboard(self):
        scores = defaultdict(dict)
        for r in self.in_window("fct_kpi_scorecard"):
            scores[(r["period_label"], r["rep_id"])]["kpi_" + r["kpi"]] = r["score"]
        kpis = {k for s in scores.values() for k in s}
        out = {}
        for r in self.in_window("fct_leaderboard"):
            key = (r["period_label"], r["rep_id"])
            out[key] = {
                "label": self.label(r["rep_id"]),
                "role": r["role"],
                "team": r["team"],
                "region": r["region"],
                "total_score": r["total_score"],
                "rank_in_region": r["rank_in_region"],
                "rank_in_team": r["rank_in_team"],
                **{k: scores[key].get(k) for k in kpis},
            }
        return ("period_label", "rep_id"), out

    def comparison_units(self):
        out = {}
        for r in self.in_window("fct_sales_comparison", "level in ('region', 'team', 'product_line')"):
            lv, key = r["level"], r["key"]
            out[(lv, key, r["period_label"])] = {
                "region": key if lv == "region" else self.team_region.get(key) if lv == "team" else None,
                "actual": r["actual_amount"],
                "previous_base": r["previous_period_base_amount"],
                "pop_change": r["pop_change_pct"],
                "last_year_base": r["last_year_base_amount"],
                "yoy_change": r["yoy_change_pct"],
                "share": r["share_of_parent"],
            }
        return ("level", "key", "period_label"), out

    def fairness(self):
        out = {}
        for r in self.in_window("fct_target_fairness", "scope_level in ('company', 'region')"):
            out[(r["scope_key"], r["period_label"])] = {
                "region": r["scope_key"] if r["scope_level"] == "region" else "",
                "reps_with_target": r["reps_with_target"],
                "share_at_target": r["share_at_or_above_target"],
                **{f"p{p}": r[f"p{p}_attainment"] for p in (10, 25, 75, 90)},
                "median_attainment": r["median_attainment"],
                "gini": r["gini_attainment"],
            }
        return ("scope", "period_label"), out

    def difficulty(self):
        out = {}
        for r in self.in_window("fct_target_difficulty", "level = 'region'"):
            out[(r["key"], r["period_label"])] = {
                "target": r["target_amount"],
                "last_year": r["last_year_actual_amount"],
                "difficulty_ratio": r["difficulty_ratio"],
                "relative_difficulty": r["relative_difficulty_pct"],
                "assessment": r["period_assessment"],
                "difficulty_flag": r["difficulty_flag"],
            }
        return ("key", "period_label"), out

    def product_lines(self):
        rows = self.in_window("fct_attainment", "level = 'product_line'")
        totals = Counter()
        for r in rows:
            totals[r["period_label"]] += r["actual_amount"]
        out = {
            (r["key"], r["period_label"]): {
                "actual": r["actual_amount"],
                "target": r["target_amount"],
                "attainment": r["attainment_pct"],
                "share": r["actual_amount"] / totals[r["period_label"]] if totals[r["period_label"]] else None,
            }
            for r in rows
        }
        return ("key", "period_label"), out

    def pl_comparison(self):
        out = {}
        for r in self.in_window("fct_sales_comparison", "level = 'product_line'"):
            out[(r["key"], r["period_label"])] = {
                "actual": r["actual_amount"],
                "previous_base": r["previous_period_base_amount"],
                "pop_change": r["pop_change_pct"],
                "last_year_base": r["last_year_base_amount"],
                "yoy_change": r["yoy_change_pct"],
            }
        return ("key", "period_label"), out

    def alerts_rows(self) -> list[dict]:
        rows = _rows(self.con, "select * from marts.fct_risk_alerts where status <> 'resolved'")
        for r in rows:
            p = r["period_start"]
            r["period_label"] = {
                "quarter": _quarter(p) if p else None,
                "year": str(p.year) if p else None,
                "month": p.strftime("%Y-%m") if p else None,
            }.get(r["period_type"])
        return rows

    def alert_counts(self):
        counts = Counter()
        for r in self.alerts_rows():
            counts[(r["alert_type"], r["severity"], "")] += 1
            if r["region"] is not None:
                counts[(r["alert_type"], r["severity"], r["region"])] += 1
        return ("alert_type", "severity", "region"), {k: {"alerts": n} for k, n in counts.items()}

    def alerts(self):
        """The list embeds the ALERT_LIST_PER_REGION alerts with the most money at risk per region (region '' for
        alerts without one), ordered as the report's SQL orders them."""
        by_region: dict[str, list[dict]] = {}
        for r in self.alerts_rows():
            by_region.setdefault(r["region"] or "", []).append(r)

        def order(r):
            p = r["period_start"]
            severity = 0 if r["severity"] == "high" else 1
            return (-r["money_at_risk"], severity, r["alert_type"], r["entity_type"], r["entity_id"], p is None, p)

        kept = [r for rows in by_region.values() for r in sorted(rows, key=order)[:ALERT_LIST_PER_REGION]]
        out = {}
        for r in kept:
            key = (r["alert_type"], r["entity_type"], r["entity_id"], r["period_label"])
            out[key] = {
                "severity": r["severity"],
                "region": r["region"] or "",
                "details": r["details"],
                "metric_value": r["metric_value"],
                "money_at_risk": r["money_at_risk"],
            }
        return ("alert_type", "entity_type", "entity_id", "period_label"), out

    def alert_digest(self):
        """Each manager's list as the digest mart holds it, with the manager's region (dim_rep) for the filter."""
        out = {}
        for r in _rows(self.con, "select * from marts.fct_risk_alert_digest"):
            manager = r["manager_id"] or ""
            out[(manager, r["digest_rank"])] = {
                "manager_name": r["manager_name"],
                "region": (self.reps.get(manager) or {}).get("region") or "",
                "manager_open_alerts": r["manager_open_alerts"],
                "manager_money_at_risk": r["manager_money_at_risk"],
                "alert_type": r["alert_type"],
                "entity_id": r["entity_id"],
                "severity": r["severity"],
                "status": r["status"],
                "money_at_risk": r["money_at_risk"],
                "reason_zh": r["reason_zh"],
                "reason_en": r["reason_en"],
            }
        return ("manager_id", "digest_rank"), out

    def collections(self):
        """Per region and quarter/year: payments received by the as-of date (payment date) and creditable sales
        (order date), straight from fct_collections and fct_sales."""
        out: dict = defaultdict(lambda: {"sales": 0.0, "collected": 0.0})
        pays = _rows(
            self.con,
            "select region, payment_date, collected_amount from marts.fct_collections where payment_date <= ?",
            [self.as_of],
        )
        sales = _rows(self.con, "select region, order_date, net_amount from marts.fct_sales where is_creditable")
        for rows, day, amount, field in (
            (pays, "payment_date", "collected_amount", "collected"),
            (sales, "order_date", "net_amount", "sales"),
        ):
            for r in rows:
                d = r[day]
                if self.years[0] <= d.year <= self.years[1]:
                    for label in (_quarter(d), str(d.year)):
                        out[(r["region"] or UNASSIGNED, label)][field] += r[amount]
        for v in out.values():
            v["collection_rate"] = v["collected"] / v["sales"] if v["sales"] else None
        return ("region", "period_label"), dict(out)

    def receivables(self):
        out: dict = defaultdict(lambda: {"open_amount": 0.0, "orders": 0})
        for r in _rows(
            self.con,
            "select region, aging_bucket, open_amount from marts.fct_receivables where days_outstanding is not null",
        ):
            for region in ("", r["region"] or UNASSIGNED):
                out[(region, r["aging_bucket"])]["open_amount"] += r["open_amount"]
                out[(region, r["aging_bucket"])]["orders"] += 1
        return ("region", "aging_bucket"), dict(out)

    def statements(self) -> list[dict]:
        rows = _rows(
            self.con,
            "select * from marts.fct_commission_statements where year(period_start) between ? and ?",
            list(self.years),
        )
        for r in rows:
            r["region"] = (self.reps.get(r["rep_id"]) or {}).get("region") or UNASSIGNED
            year = str(r["period_start"].year)
            r["rolled"] = [year] if r["period_type"] == "year" else [_quarter(r["period_start"]), year]
        return rows

    def commission_payable(self):
        out = defaultdict(lambda: {"payable": 0.0, "measure": 0.0, "statements": 0})
        for r in self.statements():
            key = (r["rolled"][0], r["region"])  # the statement's quarter (a yearly plan's: its year)
            out[key]["payable"] += r["payable"]
            out[key]["measure"] += r["measure_amount"]
            out[key]["statements"] += 1
        return ("period_label", "region"), dict(out)

    def commission_earners(self):
        out = defaultdict(lambda: {"payable": 0.0, "measure": 0.0, "tier_commission": 0.0, "override": 0.0})
        for r in self.statements():
            for period in r["rolled"]:
                o = out[(period, r["rep_id"])]
                o["label"], o["region"] = self.label(r["rep_id"]), r["region"]
                o["payable"] += r["payable"]
                o["measure"] += r["measure_amount"]
                o["tier_commission"] += r["tier_commission"]
                o["override"] += r["override"]
        return ("period_label", "rep_id"), dict(out)

    def commission_rate(self):
        out = defaultdict(lambda: {"payable": 0.0, "measure": 0.0})
        for r in self.statements():
            for period in r["rolled"]:
                out[(period, r["region"])]["payable"] += r["payable"]
                out[(period, r["region"])]["measure"] += r["measure_amount"]
        for o in out.values():
            o["effective_rate"] = o["payable"] / o["measure"] if o["measure"] else None
        return ("period_label", "region"), dict(out)

    def restatements(self):
        rows = _rows(self.con, "select * from marts.fct_commission_restatements")
        out = {
            (r["rep_id"], r["plan_id"], r["period_label"]): {
                "before_payable": r["before_payable"],
                "after_payable": r["after_payable"],
                "open_difference": r["open_difference"],
            }
            for r in rows
        }
        return ("rep_id", "plan_id", "period_label"), out


DATASETS = (
    "company_kpis",
    "company_trend",
    "attainment_units",
    "leaderboard",
    "comparison_units",
    "fairness",
    "difficulty",
    "product_lines",
    "pl_comparison",
    "alert_counts",
    "alerts",
    "alert_digest",
    "collections",
    "receivables",
    "commission_payable",
    "commission_earners",
    "commission_rate",
    "restatements",
    *PROCESS_DATASETS,
)


def expected_datasets(con) -> dict[str, tuple[tuple[str, ...], dict]]:
    fresh = Fresh(con)
    return {name: getattr(fresh, name)() for name in DATASETS}
