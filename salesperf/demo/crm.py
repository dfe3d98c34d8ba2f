"""CRM activity: activities (visits, calls …) and satisfaction surveys, with the signal real ones carry.

- Activities: 1-4 touchpoints per opportunity within its life, general account visits and calls, and a
  visit by the rep shortly before ~12% of orders (so visits do turn into orders, more than chance would).
- Surveys: scores 1-5, mostly 4-5; stronger reps score a little better, a customer who stops ordering
  (churns) or does not order again within half a year scores worse; most customers who leave answered an exit
  survey 30-150 days before.
"""

from __future__ import annotations

from salesperf.demo.company import Run
from salesperf.demo.orders import assign_rep_and_customer
from salesperf.demo.pipeline import _slots
from salesperf.demo.writers import copy_csv, sql_list

_ACTIVITY_TYPES = (
    ("visit", 0.35, 30, 120),
    ("call", 0.30, 5, 30),
    ("meeting", 0.12, 30, 90),
    ("demo", 0.08, 45, 120),
    ("email", 0.15, 0, 0),
)
_OUTCOMES = ("客户有兴趣", "需进一步跟进", "已发送报价", "暂无需求", "约定下次拜访", "技术交流完成")


def write_activities(run: Run) -> int:
    """Touchpoints: 1-4 per opportunity (within its life), general account visits and calls, pre-order visits."""
    as_of = run.as_of
    _slots(run, "act_slots", "n_activities")
    assign_rep_and_customer(run, "act_slots", "act_raw", "idx", "act")
    cases, bounds, acc = [], [], 0.0
    for name, p, lo, hi in _ACTIVITY_TYPES:
        acc += p
        cases.append(f"WHEN u_type < {acc:.2f} THEN '{name}'")
        bounds.append(f"WHEN '{name}' THEN " + ("NULL" if hi == 0 else f"{lo} + pick(k, 'dur', {hi - lo + 1})"))
    n = copy_csv(
        run,
        f"""
        WITH from_opps AS (
            SELECT 1 AS src, idx * 4 + j AS k, owner_rep_id AS rep_id, customer_id, opportunity_id,
                   created_date + pick(idx * 4 + j, 'act_day',
                       least(close_at, DATE '{as_of}') - created_date + 1)::INTEGER AS activity_date
            FROM (SELECT *, unnest(range(1 + pick(idx, 'n_act', 4))) AS j FROM opps)
        ), general AS (
            SELECT 2 AS src, idx AS k, rep_id, customer_id, NULL AS opportunity_id, d AS activity_date
            FROM act_raw
        ), before_orders AS (  -- the rep visits 1-25 days before ~12% of orders
            SELECT 3 AS src, oidx AS k, rep_id, customer_id, NULL AS opportunity_id,
                   d - 1 - pick(oidx, 'pre_visit_day', 25)::INTEGER AS activity_date
            FROM order_hdr
            WHERE rnd(oidx, 'pre_visit') < 0.12 AND d - 26 >= DATE '{run.start}'
        ), a AS (
            SELECT *, rnd(src * 1000000000000 + k, 'type') AS u_type FROM (
                SELECT * FROM from_opps UNION ALL SELECT * FROM general UNION ALL SELECT * FROM before_orders)
        ), t AS (
            SELECT *, CASE WHEN src = 3 THEN 'visit' {" ".join(cases[:-1])} ELSE '{_ACTIVITY_TYPES[-1][0]}' END
                          AS activity_type
            FROM a
        ), kept AS (
            -- injected visit drops (truth.py): most of the rep's visits in the window never happen
            SELECT t.* FROM t
            LEFT JOIN injected i ON i.kind = 'visit_drop' AND i.rep_id = t.rep_id
                                AND t.activity_date BETWEEN i.start_date AND i.end_date
            WHERE i.rep_id IS NULL OR t.activity_type <> 'visit'
               OR rnd(t.src * 1000000000000 + t.k, 'visit_kept') < i.rate
        )
        SELECT 'AC' || printf('%09d', row_number() OVER (ORDER BY activity_date, src, k)) AS activity_id,
               rep_id, customer_id, opportunity_id, activity_type, activity_date,
               CASE activity_type {" ".join(bounds)} END AS duration_minutes,
               list_extract({sql_list(_OUTCOMES)}, 1 + pick(src * 1000000000000 + k, 'outcome',
                                                             {len(_OUTCOMES)})) AS outcome
        FROM kept ORDER BY activity_id
    """,
        run.out_dir / "activities" / "activities.csv",
    )
    run.progress(f"activities: {n:,}")
    return n


def write_surveys(run: Run) -> int:
    """Satisfaction 1-5, mostly 4-5; stronger reps score better, customers who will not reorder worse."""
    comments = {
        1: "响应太慢，问题迟迟未解决",
        2: "交付延期，沟通不够及时",
        3: "整体一般，有待改进",
        4: "服务专业，响应及时",
        5: "非常满意，会继续合作",
    }
    comment_sql = " ".join(f"WHEN {k} THEN '{v}'" for k, v in comments.items())
    _slots(run, "survey_slots", "n_surveys")
    assign_rep_and_customer(run, "survey_slots", "survey_raw", "idx", "survey")
    # Exit surveys: most customers who stop ordering were asked 30-150 days before they left.
    run.con.execute(f"""
        INSERT INTO survey_raw (d, month_start, idx, rep_id, customer_id)
        SELECT d, date_trunc('month', d)::DATE, idx, owner_rep_id, customer_id FROM (
            SELECT churn_date - 30 - pick(customer_id, 'exit_survey_day', 121)::INTEGER AS d,
                   1000000000000 + row_number() OVER (ORDER BY customer_id) AS idx, owner_rep_id, customer_id
            FROM customers
            WHERE churn_date IS NOT NULL AND owner_rep_id IS NOT NULL AND rnd(customer_id, 'exit_survey') < 0.7)
        WHERE d >= DATE '{run.start}'
    """)
    n = copy_csv(
        run,
        f"""
        WITH order_days AS (
            SELECT DISTINCT customer_id, order_date AS d FROM lines WHERE status = 'completed'
        ), nxt AS (
            SELECT r.idx, o.d AS next_order FROM survey_raw r
            ASOF LEFT JOIN order_days o ON o.customer_id = r.customer_id AND o.d > r.d
        ), s AS (
            SELECT r.*, least(0.999, greatest(0.0, rnd(r.idx, 'score') + (sl.quality - 1.1) * 0.15
                   -- unhappy customers leave: churn within 180 days, or no order again within 180 days
                   + CASE WHEN c.churn_date BETWEEN r.d AND r.d + 180 THEN -0.45
                          WHEN r.d + 180 > DATE '{run.as_of}' THEN 0.0
                          WHEN n.next_order IS NULL OR n.next_order > r.d + 180 THEN -0.2
                          ELSE 0.04 END)) AS p
            FROM survey_raw r JOIN reps sl USING (rep_id) JOIN customers c USING (customer_id)
            JOIN nxt n USING (idx)
        ), sc AS (
            SELECT *, CASE WHEN p < 0.04 THEN 1 WHEN p < 0.11 THEN 2 WHEN p < 0.28 THEN 3
                           WHEN p < 0.62 THEN 4 ELSE 5 END AS score FROM s
        )
        SELECT printf('SV%07d', row_number() OVER (ORDER BY d, idx)) AS survey_id, customer_id, rep_id,
               d AS survey_date, score,
               CASE WHEN rnd(idx, 'has_comment') < 0.6 THEN CASE score {comment_sql} END END AS comment
        FROM sc ORDER BY survey_id
    """,
        run.out_dir / "surveys" / "surveys.csv",
    )
    run.progress(f"surveys: {n:,}")
    return n
