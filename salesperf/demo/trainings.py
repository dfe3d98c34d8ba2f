"""Trainings (培训记录): courses completed by reps and managers, with one course that works.

The completions are drawn before the orders (`create_trainings`), because one course has a known effect that
the orders and opportunities then carry: a seller who completed `EFFECTIVE_COURSE` sells `SALES_UPLIFT` times
as much from the day after completion (their share of each day's orders grows by that factor) and wins
`WIN_RATE_UPLIFT` more of the deals that close after it. Every other course does nothing, so the training
mart should find this one effect and no other (tests/test_process_demo.py).
"""

from __future__ import annotations

import datetime

from salesperf.demo.catalogue import new_line_launch
from salesperf.demo.company import Run
from salesperf.demo.writers import copy_csv, load_table

EFFECTIVE_COURSE = "TR002"  # 顾问式销售
SALES_UPLIFT = 1.2  # x the seller's share of daily orders after completion
WIN_RATE_UPLIFT = 0.10  # + win probability of deals closing after completion

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


def create_trainings(run: Run) -> None:
    """Table `trainings_done`: each rep and manager completes ~65% of the courses available while employed.

    The effective course is rolled out during the history (it opens a year after the history starts and is
    completed over the following two years), so there are months before and after each completion to compare.
    """
    launch = new_line_launch(run.start, run.as_of)
    rows = []
    for cid, name, topic, offset in _COURSES:
        if cid == EFFECTIVE_COURSE:
            opens = run.start + datetime.timedelta(days=300)
        elif offset is None:
            opens = launch - datetime.timedelta(days=30)
        else:
            opens = run.start + datetime.timedelta(days=offset)
        rows.append((cid, name, topic, opens, 600 if cid == EFFECTIVE_COURSE else 200))
    load_table(
        run,
        "courses",
        {
            name: [r[i] for r in rows]
            for i, name in enumerate(("course_id", "course_name", "topic", "opens", "spread_days"))
        },
        {},
    )
    run.con.execute(f"""
        CREATE TABLE trainings_done AS
        WITH t AS (
            SELECT r.rep_id, c.course_id, c.course_name, c.topic,
                   greatest(r.hire_date, c.opens) + 7
                       + pick(r.rep_id || c.course_id, 'train_day', c.spread_days)::INTEGER AS completed_date,
                   r.termination_date
            FROM reps r CROSS JOIN courses c
            WHERE r.role IN ('rep', 'manager') AND rnd(r.rep_id || c.course_id, 'train') < 0.65
        )
        SELECT rep_id, course_id, course_name, topic, completed_date,
               55 + pick(rep_id || course_id, 'assessment', 46) AS assessment_score
        FROM t WHERE completed_date <= least(DATE '{run.as_of}', coalesce(termination_date, DATE '9999-12-31'))
        ORDER BY rep_id, course_id
    """)
    run.con.execute(f"""
        CREATE TABLE training_uplift AS
        SELECT rep_id, completed_date FROM trainings_done WHERE course_id = '{EFFECTIVE_COURSE}'
    """)


def write_trainings(run: Run) -> int:
    n = copy_csv(
        run,
        "SELECT rep_id, course_id, course_name, topic, completed_date, assessment_score FROM trainings_done "
        "ORDER BY rep_id, course_id",
        run.out_dir / "trainings" / "trainings.csv",
    )
    run.progress(f"trainings: {n:,}")
    return n
