"""CRM and HR activity: opportunities, activities (visits, calls …), satisfaction surveys, trainings."""

from __future__ import annotations

import datetime

from salesperf.demo.catalogue import new_line_launch
from salesperf.demo.company import Run
from salesperf.demo.orders import assign_rep_and_customer
from salesperf.demo.writers import copy_csv, load_table, sql_list


def _slots(run: Run, name: str, count_column: str) -> None:
    run.con.execute(f"""
        CREATE TABLE {name} AS
        WITH s AS (SELECT d, month_start, unnest(range({count_column}::BIGINT)) AS j FROM days)
        SELECT d, month_start, (row_number() OVER (ORDER BY d, j) - 1)::BIGINT AS idx FROM s ORDER BY idx
    """)


_OPEN_STAGES = ("初步接洽", "需求确认", "方案报价", "商务谈判")


def write_opportunities(run: Run) -> int:
    as_of = run.as_of
    lost = ("价格过高", "选择竞品", "预算取消", "需求变更", "决策周期过长", "技术方案不符")
    _slots(run, "opp_slots", "n_opps")
    assign_rep_and_customer(run, "opp_slots", "opp_raw", "idx", "opp")
    # Close 15-240 days after creation (earlier if the owner leaves); not closed by as_of = open.
    run.con.execute("""
        CREATE TABLE opps AS
        SELECT printf('OP%07d', o.idx + 1) AS opportunity_id, o.idx, o.customer_id, o.rep_id AS owner_rep_id,
               o.d AS created_date, o.d + 30 + pick(o.idx, 'exp_close', 150)::INTEGER AS expected_close_date,
               least(o.d + 15 + pick(o.idx, 'close', 225)::INTEGER,
                     coalesce(s.termination_date, DATE '9999-12-31')) AS close_at,
               round(exp(ln(20000) + rnd(o.idx, 'opp_amount') * ln(60)), -2)::DECIMAL(18,2) AS amount,
               rnd(o.idx, 'won') < 0.2 + 0.25 * s.quality AS won
        FROM opp_raw o JOIN sellers s USING (rep_id)
    """)
    stage = (
        f"list_extract({sql_list(_OPEN_STAGES)}, 1 + least(3, floor((DATE '{as_of}' - created_date)"
        f" / greatest(1, close_at - created_date) * 4))::BIGINT)"
    )
    n = copy_csv(
        run,
        f"""
        SELECT opportunity_id, customer_id, owner_rep_id,
               CASE WHEN close_at > DATE '{as_of}' THEN {stage} WHEN won THEN '赢单' ELSE '输单' END AS stage,
               amount, created_date, expected_close_date,
               CASE WHEN close_at <= DATE '{as_of}' THEN close_at END AS closed_date,
               CASE WHEN close_at > DATE '{as_of}' THEN 'open' WHEN won THEN 'won' ELSE 'lost' END AS status,
               CASE WHEN close_at <= DATE '{as_of}' AND NOT won
                    THEN list_extract({sql_list(lost)}, 1 + pick(idx, 'lost', {len(lost)})) END AS lost_reason,
               at_time(CASE WHEN close_at <= DATE '{as_of}' THEN close_at
                            ELSE created_date + pick(idx, 'touched', DATE '{as_of}' - created_date + 1)::INTEGER
                            END, idx, 'opp_time') AS updated_at
        FROM opps ORDER BY idx
    """,
        run.out_dir / "opportunities" / "opportunities.csv",
    )
    run.progress(f"opportunities: {n:,}")
    return n


_ACTIVITY_TYPES = (
    ("visit", 0.35, 30, 120),
    ("call", 0.30, 5, 30),
    ("meeting", 0.12, 30, 90),
    ("demo", 0.08, 45, 120),
    ("email", 0.15, 0, 0),
)
_OUTCOMES = ("客户有兴趣", "需进一步跟进", "已发送报价", "暂无需求", "约定下次拜访", "技术交流完成")


def write_activities(run: Run) -> int:
    """Touchpoints: 1-4 per opportunity (within its life) plus general account visits and calls."""
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
        ), a AS (
            SELECT *, rnd(src * 1000000000000 + k, 'type') AS u_type FROM (
                SELECT * FROM from_opps UNION ALL SELECT * FROM general)
        ), t AS (
            SELECT *, CASE {" ".join(cases[:-1])} ELSE '{_ACTIVITY_TYPES[-1][0]}' END AS activity_type FROM a
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
    """Satisfaction 1-5, mostly 4-5; stronger reps score a little better."""
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
    n = copy_csv(
        run,
        f"""
        WITH s AS (
            SELECT r.*, least(0.999, greatest(0.0, rnd(r.idx, 'score') + (sl.quality - 1.1) * 0.15)) AS p
            FROM survey_raw r JOIN sellers sl USING (rep_id)
        ), sc AS (
            SELECT *, CASE WHEN p < 0.04 THEN 1 WHEN p < 0.11 THEN 2 WHEN p < 0.28 THEN 3
                           WHEN p < 0.62 THEN 4 ELSE 5 END AS score FROM s
        )
        SELECT printf('SV%07d', idx + 1) AS survey_id, customer_id, rep_id, d AS survey_date, score,
               CASE WHEN rnd(idx, 'has_comment') < 0.6 THEN CASE score {comment_sql} END END AS comment
        FROM sc ORDER BY idx
    """,
        run.out_dir / "surveys" / "surveys.csv",
    )
    run.progress(f"surveys: {n:,}")
    return n


_COURSES = (
    ("TR001", "新员工销售入门", "销售技巧", -2000),
    ("TR002", "顾问式销售", "销售技巧", -1500),
    ("TR003", "大客户管理", "销售技巧", -900),
    ("TR004", "智能仪表产品知识", "产品知识", -2000),
    ("TR005", "工业传感器选型", "产品知识", -1200),
    ("TR006", "控制系统解决方案", "产品知识", -800),
    ("TR007", "反商业贿赂与合规", "合规", -600),
    ("TR008", "合同与回款管理", "合规", 200),
    ("TR009", "电力与水务行业洞察", "行业知识", 100),
    ("TR010", "CRM系统使用", "系统工具", 300),
    ("TR011", "商务谈判技巧", "销售技巧", 500),
    ("TR012", "新品产品培训", "产品知识", None),
)


def write_trainings(run: Run) -> int:
    """Each rep and manager completes ~65% of the courses available during their employment."""
    launch = new_line_launch(run.start, run.as_of)
    rows = [
        (
            cid,
            name,
            topic,
            launch - datetime.timedelta(days=30) if offset is None else run.start + datetime.timedelta(days=offset),
        )
        for cid, name, topic, offset in _COURSES
    ]
    load_table(
        run,
        "courses",
        {name: [r[i] for r in rows] for i, name in enumerate(("course_id", "course_name", "topic", "opens"))},
        {},
    )
    n = copy_csv(
        run,
        f"""
        WITH t AS (
            SELECT r.rep_id, c.course_id, c.course_name, c.topic,
                   greatest(r.hire_date, c.opens) + 7 + pick(r.rep_id || c.course_id, 'train_day', 200)::INTEGER
                       AS completed_date,
                   r.termination_date
            FROM reps r CROSS JOIN courses c
            WHERE r.role IN ('rep', 'manager') AND rnd(r.rep_id || c.course_id, 'train') < 0.65
        )
        SELECT rep_id, course_id, course_name, topic, completed_date,
               55 + pick(rep_id || course_id, 'assessment', 46) AS assessment_score
        FROM t WHERE completed_date <= least(DATE '{run.as_of}', coalesce(termination_date, DATE '9999-12-31'))
        ORDER BY rep_id, course_id
    """,
        run.out_dir / "trainings" / "trainings.csv",
    )
    run.progress(f"trainings: {n:,}")
    return n
