"""Manual inputs: rep and product-line targets (previous and plan year) and commission adjustments."""

from __future__ import annotations

import csv

from ingestion.entities import ENTITIES
from salesperf.demo.company import YEARLY_GROWTH, Run, pick_one, uniform
from salesperf.demo.writers import copy_csv


def write_targets(run: Run) -> int:
    """Rep x month targets for the previous and the plan year, product line x month for the plan year.

    A month's company target is the same month a year earlier x growth; reps employed in the month share
    it by strength and by the part of the month they are employed (the plan's ramp applies on top).
    """
    con, plan_year = run.con, run.as_of.year
    con.execute(f"""
        CREATE TABLE target_months AS
        WITH actual AS (
            SELECT date_trunc('month', order_date)::DATE AS m, sum(quantity * unit_price - discount_amount) AS s
            FROM final_lines WHERE status = 'completed' GROUP BY ALL
        )
        SELECT (m + INTERVAL 1 YEAR)::DATE AS month_start, s * {YEARLY_GROWTH} AS company_target
        FROM actual WHERE year(m) IN ({plan_year - 2}, {plan_year - 1})
    """)
    total = 0
    for year in (plan_year - 1, plan_year):
        line_targets = (
            ""
            if year != plan_year
            else f"""
            UNION ALL
            SELECT strftime(t.month_start, '%Y-%m'), 'product_line', l.product_line,
                   round(t.company_target * l.share, -2)::DECIMAL(18,2), 2, l.product_line
            FROM target_months t CROSS JOIN (
                -- line mix of the last six months, so the new line's ramp-up is reflected
                SELECT product_line, sum(quantity * unit_price - discount_amount)
                       / sum(sum(quantity * unit_price - discount_amount)) OVER () AS share
                FROM final_lines JOIN products USING (product_id)
                WHERE status = 'completed' AND order_date >= DATE '{plan_year - 1}-07-01'
                  AND order_date < DATE '{plan_year}-01-01'
                GROUP BY product_line) l
            WHERE year(t.month_start) = {year}"""
        )
        total += copy_csv(
            run,
            f"""
            WITH e AS (
                SELECT t.month_start, t.company_target, s.rep_id,
                       (0.5 + 0.5 * s.quality)
                       * (least(last_day(t.month_start), coalesce(s.termination_date, DATE '9999-12-31'))
                          - greatest(t.month_start, s.hire_date) + 1) AS w
                FROM target_months t JOIN sellers s
                  ON s.hire_date <= last_day(t.month_start)
                 AND (s.termination_date IS NULL OR s.termination_date >= t.month_start)
                WHERE year(t.month_start) = {year}
            )
            SELECT period, level, key, target_amount FROM (
                SELECT strftime(month_start, '%Y-%m') AS period, 'rep' AS level, rep_id AS key,
                       round(company_target * w / sum(w) OVER (PARTITION BY month_start), -2)::DECIMAL(18,2)
                           AS target_amount, 1 AS seq, rep_id AS sort_key
                FROM e
                {line_targets}
            ) ORDER BY period, seq, sort_key
        """,
            run.out_dir / "targets" / f"targets_{year}.csv",
        )
    run.progress(f"targets: {total:,}")
    return total


def _yuan(amount: float) -> str:
    """Finance's spreadsheet style: ¥1,234.50, deductions -¥1,234.50."""
    return f"¥{amount:,.2f}" if amount >= 0 else f"-¥{-amount:,.2f}"


def write_adjustments(run: Run) -> int:
    """A handful of manual commission adjustments in the plan year, amounts like ¥1,234.50."""
    reasons = (
        ("大客户回款奖励", 1),
        ("系统录单错误补发提成", 1),
        ("跨区协作补偿", 1),
        ("季度冲刺专项奖励", 1),
        ("新品首单奖励", 1),
        ("多发提成扣回", -1),
        ("客户投诉扣减", -1),
    )
    sellers = run.con.execute(f"""SELECT rep_id FROM sellers WHERE hire_date <= DATE '{run.as_of.year}-01-01'
                                  AND termination_date IS NULL ORDER BY rep_id""").fetchall()
    rows = []
    for i in range(10):
        reason, sign = pick_one(run.seed, reasons, "adj_reason", i)
        month = 1 + int(uniform(run.seed, "adj_month", i) * max(1, run.as_of.month - 1))
        amount = sign * round(500 + 7500 * uniform(run.seed, "adj_amount", i), -1) + (0.5 if i % 3 == 0 else 0)
        rows.append(
            (pick_one(run.seed, sellers, "adj_rep", i)[0], f"{run.as_of.year}-{month:02d}", _yuan(amount), reason)
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(run.out_dir / "adjustments" / "adjustments.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ENTITIES["adjustments"].column_names)
        writer.writerows(rows)
    run.progress(f"adjustments: {len(rows)}")
    return len(rows)
