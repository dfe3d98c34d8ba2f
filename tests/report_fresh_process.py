"""What the report's process parts must embed (funnel, win rate by source, pipeline, visits, association),
computed afresh from the published marts for test_report_browser.py: plain queries, roll-ups and period
choices done here in Python, independently of salesperf/report/sections/process_parts.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict


def _quarter(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def _quarter_end(label: str) -> dt.date:
    year, q = int(label[:4]), int(label[-1])
    return dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)


class FreshProcess:
    """Mixed into tests.report_fresh.Fresh: uses its con, as_of, years and in_window()."""

    def _funnel_rows(self, where: str) -> list[dict]:
        rows = self.in_window("fct_funnel", f"level in ('company', 'region') and {where}")
        for r in rows:
            r["region"] = "" if r["level"] == "company" else r["key"]
        return rows

    def funnel(self):
        out = {
            (r["region"], r["period_label"], r["stage"]): {
                "stage_order": r["stage_order"],
                "entered": r["entered_count"],
                "amount": r["entered_amount"],
                "conversion": r["stage_conversion_rate"],
                "to_win": r["stage_to_win_rate"],
                "median_days": r["median_days_in_stage"],
            }
            for r in self._funnel_rows("breakdown = 'all'")
        }
        return ("region", "period_label", "stage"), out

    def funnel_sources(self):
        out = {
            (r["region"], r["period_label"], r["breakdown_value"]): {
                "won": r["deals_won"],
                "lost": r["deals_lost"],
                "win_rate": r["win_rate_count"],
                "won_amount": r["won_amount"],
            }
            for r in self._funnel_rows("breakdown = 'source' and stage_order = 1")
        }
        return ("region", "period_label", "source"), out

    def pipeline(self):
        from tests.report_fresh import _rows

        rows = _rows(self.con, "select * from marts.fct_pipeline where level = 'region'")
        by_month = defaultdict(list)
        for r in rows:
            by_month[r["month_start"]].append(r)
        labels = [str(y) for y in range(self.years[0], self.years[1] + 1)]
        labels += [f"{y}-Q{q}" for y in range(self.years[0], self.years[1] + 1) for q in range(1, 5)]
        out = {}
        for label in labels:
            start = dt.date(int(label[:4]), 1 if len(label) == 4 else 3 * int(label[-1]) - 2, 1)
            if start > self.as_of:
                continue
            end = dt.date(int(label), 12, 31) if len(label) == 4 else _quarter_end(label)
            month = min(end, self.as_of).replace(day=1)
            for r in by_month.get(month, []):
                out[(r["key"], label)] = {
                    "open_deals": r["open_count"],
                    "pipeline": r["pipeline_amount"],
                    "weighted": r["weighted_pipeline_amount"],
                    "coverage_period": r["coverage_period_label"],
                    "coverage": r["coverage_ratio"],
                    "slipped": r["slipped_count"],
                    "stalled": r["stalled_count"],
                }
        return ("region", "period_label"), out

    def visits(self):
        from tests.report_fresh import _rows

        sums = defaultdict(lambda: {"visits": 0, "activities": 0, "converted": 0, "with_window": 0, "won_deals": 0})
        for r in _rows(self.con, "select * from marts.fct_activity_summary where period_type = 'month'"):
            if not self.years[0] <= r["period_start"].year <= self.years[1]:
                continue
            for label in (_quarter(r["period_start"]), str(r["period_start"].year)):
                s = sums[(r["region"], label)]
                s["visits"] += r["visit_count"]
                s["activities"] += r["activity_count"]
                s["converted"] += r["visits_converted"]
                s["with_window"] += r["visits_with_window"]
                s["won_deals"] += r["won_deals"]
        out = {
            key: {
                "visits": s["visits"],
                "activities": s["activities"],
                "visit_to_order": s["converted"] / s["with_window"] if s["with_window"] else None,
                "won_deals": s["won_deals"],
            }
            for key, s in sums.items()
        }
        return ("region", "period_label"), out

    def affinity(self):
        from tests.report_fresh import _rows

        rows = _rows(
            self.con,
            "select * from marts.fct_product_affinity where scope = 'order' and item_level = 'product_line'",
        )
        out = {
            (str(r["year"]), f"{r['item_a_name']} + {r['item_b_name']}"): {
                "pair_count": r["pair_count"],
                "support": r["support"],
                "confidence": r["confidence_a_to_b"],
                "lift": r["lift"],
            }
            for r in rows
            if self.years[0] <= r["year"] <= self.years[1]
        }
        return ("year", "pair"), out


PROCESS_DATASETS = ("funnel", "funnel_sources", "pipeline", "visits", "affinity")
