"""Opportunities (商机) and their stage history (商机阶段变更记录).

Every opportunity walks the four open stages 初步接洽 → 需求确认 → 方案报价 → 商务谈判 and ends 赢单 or 输单:
- its lead source (线索来源) and product line set its chance to win (referrals and repeat customers win most,
  cold calls least; the new line is harder to sell), with the owner's strength and the effective training
  (salesperf/demo/trainings.py) on top;
- a lost deal drops out at some stage (most early); one team is slow at 方案报价 and loses more deals there,
  so the funnel has a bottleneck to find;
- time in each stage is a share of the deal's life; ~6% of deals skip 需求确认;
- at 方案报价 the amount is re-quoted, and ~35% of deals push their expected close date out (slipped deals).

`opportunity_stages/商机阶段变更记录.csv` lands the history with Chinese headers (probability as `25%`); the
opportunities file holds each deal's state as of the as-of date, consistent with its history.
"""

from __future__ import annotations

from salesperf.demo.catalogue import new_line_launch
from salesperf.demo.company import NEW_LINE, PRODUCT_LINES, Run
from salesperf.demo.orders import assign_rep_and_customer
from salesperf.demo.trainings import WIN_RATE_UPLIFT
from salesperf.demo.writers import copy_csv, date_sql, sql_list

OPEN_STAGES = ("初步接洽", "需求确认", "方案报价", "商务谈判")
WON_STAGE, LOST_STAGE = "赢单", "输单"
STAGE_PROBABILITY = (0.10, 0.25, 0.50, 0.75)  # what the CRM shows per open stage (赢率)

# (source, share of leads, base chance to win)
SOURCES = (
    ("转介绍", 0.15, 0.62),
    ("老客户复购", 0.20, 0.58),
    ("官网", 0.20, 0.40),
    ("市场活动", 0.20, 0.36),
    ("展会", 0.15, 0.44),
    ("电话营销", 0.10, 0.25),
)
LINE_WIN_ADJUSTMENT = {NEW_LINE: -0.08, "运维服务": 0.05}

_LOST_REASONS = ("价格过高", "选择竞品", "预算取消", "需求变更", "决策周期过长", "技术方案不符")


def _slots(run: Run, name: str, count_column: str) -> None:
    run.con.execute(f"""
        CREATE TABLE {name} AS
        WITH s AS (SELECT d, month_start, unnest(range({count_column}::BIGINT)) AS j FROM days)
        SELECT d, month_start, (row_number() OVER (ORDER BY d, j) - 1)::BIGINT AS idx FROM s ORDER BY idx
    """)


def _case_cumulative(u: str, options: list[tuple[str, float]]) -> str:
    acc, parts = 0.0, []
    for value, share in options[:-1]:
        acc += share
        parts.append(f"WHEN {u} < {acc:.4f} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {options[-1][0]} END"


def _create_opps(run: Run) -> None:
    con = run.con
    _slots(run, "opp_slots", "n_opps")
    assign_rep_and_customer(run, "opp_slots", "opp_raw", "idx", "opp")
    source = _case_cumulative("rnd(o.idx, 'source')", [(f"'{s}'", w) for s, w, _ in SOURCES])
    base_win = " ".join(f"WHEN '{s}' THEN {p}" for s, _, p in SOURCES)
    old_lines = [line for line in PRODUCT_LINES if line != NEW_LINE]
    line_adj = " ".join(f"WHEN '{line}' THEN {a}" for line, a in LINE_WIN_ADJUSTMENT.items())
    slow_team = con.execute("SELECT min(team) FROM sellers WHERE team IS NOT NULL").fetchone()[0]
    # Close 15-240 days after creation (earlier if the owner leaves); not closed by as_of = open.
    con.execute(f"""
        CREATE TABLE opps_base AS
        SELECT printf('OP%07d', o.idx + 1) AS opportunity_id, o.idx, o.customer_id, o.rep_id AS owner_rep_id,
               o.d AS created_date, o.d + 30 + pick(o.idx, 'exp_close', 150)::INTEGER AS first_expected_close,
               least(o.d + 15 + pick(o.idx, 'close', 225)::INTEGER,
                     coalesce(s.termination_date, DATE '9999-12-31')) AS close_at,
               round(exp(ln(20000) + rnd(o.idx, 'opp_amount') * ln(60)), -2)::DECIMAL(18,2) AS first_amount,
               {source} AS source,
               CASE WHEN o.d >= {date_sql(new_line_launch(run.start, run.as_of))} AND rnd(o.idx, 'pl_new') < 0.15
                    THEN '{NEW_LINE}'
                    ELSE list_extract({sql_list(old_lines)}, 1 + pick(o.idx, 'pl', {len(old_lines)})) END
                   AS product_line,
               s.quality, s.team = '{slow_team}' AS slow_team, u.completed_date AS trained_on
        FROM opp_raw o JOIN sellers s USING (rep_id) LEFT JOIN training_uplift u USING (rep_id)
    """)
    con.execute(f"""
        CREATE TABLE opps AS
        SELECT *,
               rnd(idx, 'won') < CASE source {base_win} END + 0.25 * (quality - 1.1)
                   + coalesce(CASE product_line {line_adj} END, 0)
                   + CASE WHEN trained_on < close_at THEN {WIN_RATE_UPLIFT} ELSE 0 END AS won
        FROM opps_base
    """)


def _create_history(run: Run) -> None:
    """Table `opp_history`: one row per stage entered (open stages, then 赢单 / 输单 at close), as of as_of."""
    con, as_of = run.con, run.as_of
    names = sql_list(OPEN_STAGES)
    probs = "[" + ", ".join(str(p) for p in STAGE_PROBABILITY) + "]"
    drop_slow = _case_cumulative("rnd(idx, 'drop')", [("1", 0.2), ("2", 0.2), ("3", 0.45), ("4", 0.15)])
    drop_usual = _case_cumulative("rnd(idx, 'drop')", [("1", 0.35), ("2", 0.30), ("3", 0.2), ("4", 0.15)])
    con.execute(f"""
        CREATE TABLE opp_history AS
        WITH reach AS (  -- the last open stage a deal reaches: all four if won; lost deals drop out early
            SELECT *,
                   CASE WHEN won THEN 4
                        WHEN slow_team THEN {drop_slow} ELSE {drop_usual} END AS k_max,
                   rnd(idx, 'skip') < 0.06 AS skips_second,
                   rnd(idx, 'slip') < 0.35 AS slips
            FROM opps
        ), steps AS (
            SELECT r.*, unnest(range(1, 5)) AS j FROM reach r
        ), weighted AS (
            SELECT *, CASE j WHEN 1 THEN 0.8 + 0.4 * rnd(idx * 8 + j, 'w')
                             WHEN 2 THEN 0.6 + 1.2 * rnd(idx * 8 + j, 'w')
                             WHEN 3 THEN (1.2 + 1.6 * rnd(idx * 8 + j, 'w')) * CASE WHEN slow_team THEN 2.5 ELSE 1 END
                             ELSE 0.6 + 0.8 * rnd(idx * 8 + j, 'w') END AS w
            FROM steps WHERE j <= k_max
        ), placed AS (
            SELECT *, created_date + floor((close_at - created_date)
                          * (sum(w) OVER (PARTITION BY idx ORDER BY j) - w)
                          / sum(w) OVER (PARTITION BY idx))::INTEGER AS entered_on
            FROM weighted
        ), open_rows AS (
            SELECT idx, opportunity_id, owner_rep_id, j, list_extract({names}, j) AS stage,
                   list_extract({probs}, j) AS probability,
                   entered_on + to_seconds((8 + j) * 3600 + pick(idx * 8 + j, 'min', 3600)) AS entered_at,
                   CASE WHEN slips AND j >= 3 THEN first_expected_close + 30 + pick(idx, 'slip_days', 60)::INTEGER
                        ELSE first_expected_close END AS expected_close_date,
                   CASE WHEN j >= 3 THEN round(first_amount * (0.85 + 0.3 * rnd(idx, 'requote')), -2)
                        ELSE first_amount END::DECIMAL(18,2) AS amount
            FROM placed WHERE NOT (j = 2 AND skips_second AND k_max >= 3)
        ), closing AS (
            SELECT r.idx, r.opportunity_id, r.owner_rep_id, 9 AS j,
                   CASE WHEN r.won THEN '{WON_STAGE}' ELSE '{LOST_STAGE}' END AS stage,
                   CASE WHEN r.won THEN 1.0 ELSE 0.0 END AS probability,
                   r.close_at + to_seconds(17 * 3600 + pick(r.idx, 'close_min', 3600)) AS entered_at,
                   lst.expected_close_date, lst.amount
            FROM reach r JOIN open_rows lst ON lst.idx = r.idx AND lst.j = r.k_max
        )
        SELECT * FROM (SELECT * FROM open_rows UNION ALL SELECT * FROM closing)
        WHERE entered_at::DATE <= DATE '{as_of}'
        ORDER BY idx, j
    """)


def write_opportunities(run: Run) -> dict[str, int]:
    """opportunities/opportunities.csv (the state as of as_of) and the stage history file: rows of each."""
    _create_opps(run)
    _create_history(run)
    as_of = run.as_of
    n = copy_csv(
        run,
        f"""
        WITH latest AS (
            SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY idx ORDER BY j DESC) AS rk FROM opp_history)
            WHERE rk = 1
        )
        SELECT o.opportunity_id, o.customer_id, o.owner_rep_id, l.stage, l.amount, o.created_date,
               l.expected_close_date,
               CASE WHEN o.close_at <= DATE '{as_of}' THEN o.close_at END AS closed_date,
               CASE WHEN o.close_at > DATE '{as_of}' THEN 'open' WHEN o.won THEN 'won' ELSE 'lost' END AS status,
               CASE WHEN o.close_at <= DATE '{as_of}' AND NOT o.won
                    THEN list_extract({sql_list(_LOST_REASONS)}, 1 + pick(o.idx, 'lost', {len(_LOST_REASONS)}))
                    END AS lost_reason,
               l.entered_at AS updated_at, o.source, o.product_line
        FROM opps o JOIN latest l USING (idx) ORDER BY o.idx
    """,
        run.out_dir / "opportunities" / "opportunities.csv",
    )
    history = copy_csv(
        run,
        """
        SELECT opportunity_id AS 商机编号, stage AS 阶段, strftime(entered_at, '%Y-%m-%d %H:%M:%S') AS 变更时间,
               amount AS 商机金额, printf('%d%%', (probability * 100)::INTEGER) AS 赢率,
               owner_rep_id AS 变更人, expected_close_date AS 预计成交日期
        FROM opp_history ORDER BY idx, j
    """,
        run.out_dir / "opportunity_stages" / "商机阶段变更记录.csv",
    )
    run.progress(f"opportunities: {n:,} (stage history: {history:,} changes)")
    return {"opportunities": n, "opportunity_stages": history}
