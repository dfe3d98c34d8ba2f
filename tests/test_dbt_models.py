"""End-to-end check of the dbt project on a small, hand-written raw database.

The raw tables are created exactly as ingestion creates them (canonical columns typed by
`ingestion.entities.SQL_TYPES`, then the lineage columns), filled with a handful of rows whose results
are computed by hand below, and `dbt build` runs once for the module (models, data tests, unit tests).

The company (as_of = 2025-04-10):
    region East: team E1 = R1, R2        region West: team W1 = R3, R4 (R3 left on 2025-04-01)
    products P1 (Hardware), P2 (Software)

Order lines (net = quantity x unit_price - discount):
    O1/1 2025-01-10 R1 P1 10 x 100        = 1000
    O1/2 2025-01-10 R1 P2  2 x 250 - 100  =  400
    O2/1 2025-01-20 R2 P1  5 x 200        = 1000   splits R2 60% + R1 60% (revenue 40% + overlay 20%; 120%)
    O3/1 2025-02-05 R3 P1  3 x 100        =  300   cancelled on 2025-02-07
    O4/1 2025-02-15 R3 P2  4 x 500        = 2000   splits R3 70% + R4 30%
    O5/1 2025-03-03 R4 P1  8 x 100 - 50   =  750   (an older version, 7 x 100, is superseded)
    O6/1 2025-03-20 R2 P2  1 x 1200       = 1200
    O7/1 2025-04-20 R1 P1  1 x 999        =  999   after as_of: not counted
    O8/1 2025-04-02 R4 P2  2 x 300        =  600
Returns:
    RT1 O1 line 2   2025-01-25  150   same month as the order
    RT2 O1 (order)  2025-02-10  280   spread pro rata to net: line 1 280x1000/1400 = 200, line 2 80;
                                      a later month (not January) but the same quarter (Q1)
    RT3 O2 line 1   2025-01-28  100   same month; R1 and R2 are each charged 60
    RT4 O6 line 1   2025-04-05  200   a later quarter than the order (clawback for Q1/March)
Targets (manual): rep months of Q1 -- R1 1500, R2 1000, R3 800 each month; R4 0 (Jan), 700, 700;
    company 2025 = 50000; product_line Hardware 2025-Q1 = 3000; R1 2026-01 = 2000 (beyond the as-of year).

Over 400 lines on purpose: the tests of one component, sharing its fixtures (split by component, not by size).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers.dbt import run_dbt
from tests.helpers.raw import RawWriter, dbt_raw_ddl, load_config_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
AS_OF = "2025-04-10"

REPS = [
    dict(rep_id="R1", rep_name="Li Lei", region="East", team="E1", role="rep", hire_date="2023-01-01"),
    dict(rep_id="R2", rep_name="Han Meimei", region="East", team="E1", role="rep", hire_date="2023-06-01"),
    dict(
        rep_id="R3",
        rep_name="Wang Fang",
        region="West",
        team="W1",
        role="rep",
        hire_date="2022-03-01",
        termination_date="2025-04-01",
    ),
    dict(rep_id="R4", rep_name="Zhang Wei", region="West", team="W1", role="rep", hire_date="2024-09-01"),
]
CUSTOMERS = [
    dict(customer_id="C1", customer_name="Acme", region="East"),
    dict(customer_id="C2", customer_name="Globex", region="West"),
]
PRODUCTS = [
    dict(product_id="P1", product_name="Router", product_line="Hardware", unit_cost=60),
    dict(product_id="P2", product_name="License", product_line="Software", unit_cost=20),
]


def _line(
    order_id,
    line_no,
    order_date,
    customer_id,
    rep_id,
    product_id,
    quantity,
    unit_price,
    discount_amount=0,
    status="completed",
    cancelled_date=None,
    updated_at=None,
):
    return dict(
        order_id=order_id,
        line_no=line_no,
        order_date=order_date,
        customer_id=customer_id,
        rep_id=rep_id,
        product_id=product_id,
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount_amount,
        currency="CNY",
        status=status,
        cancelled_date=cancelled_date,
        updated_at=updated_at,
    )


# file name -> rows; files are ingested in this order (_file_seq 1, 2, ...).
ORDER_FILES = {
    "orders/2025-01.csv": [
        _line("O1", 1, "2025-01-10", "C1", "R1", "P1", 10, 100),
        _line("O1", 2, "2025-01-10", "C1", "R1", "P2", 2, 250, discount_amount=100),
        _line("O2", 1, "2025-01-20", "C2", "R2", "P1", 5, 200),
    ],
    "orders/2025-02.csv": [
        _line("O3", 1, "2025-02-05", "C1", "R3", "P1", 3, 100, status="cancelled", cancelled_date="2025-02-07"),
        _line("O4", 1, "2025-02-15", "C2", "R3", "P2", 4, 500),
    ],
    "orders/2025-03.csv": [
        _line("O5", 1, "2025-03-03", "C2", "R4", "P1", 7, 100),  # superseded by the corrected file
        _line("O6", 1, "2025-03-20", "C1", "R2", "P2", 1, 1200),
    ],
    "orders/2025-03-corrected.csv": [
        _line("O5", 1, "2025-03-03", "C2", "R4", "P1", 8, 100, discount_amount=50),
    ],
    "orders/2025-04.csv": [
        _line("O7", 1, "2025-04-20", "C1", "R1", "P1", 1, 999),
        _line("O8", 1, "2025-04-02", "C2", "R4", "P2", 2, 300),
    ],
}
RETURNS = [
    dict(return_id="RT1", order_id="O1", line_no=2, return_date="2025-01-25", quantity=1, amount=150),
    dict(return_id="RT2", order_id="O1", line_no=None, return_date="2025-02-10", amount=280),
    dict(return_id="RT3", order_id="O2", line_no=1, return_date="2025-01-28", amount=100),
    dict(return_id="RT4", order_id="O6", line_no=1, return_date="2025-04-05", amount=200),
]
CREDIT_SPLITS = [
    # issue 18: revenue splits total 100% (R2 60% + R1 40%), R1's 20% overlay comes on top: R1 60% in all
    dict(order_id="O2", rep_id="R2", split_pct=0.6, split_type="revenue"),
    dict(order_id="O2", rep_id="R1", split_pct=0.4, split_type="revenue"),
    dict(order_id="O2", rep_id="R1", split_pct=0.2, split_type="overlay"),
    dict(order_id="O4", rep_id="R3", split_pct=0.7),
    dict(order_id="O4", rep_id="R4", split_pct=0.3),
]
TARGETS = [
    dict(period=f"2025-{m:02d}", level="rep", key=rep, target_amount=amount)
    for rep, amount in [("R1", 1500), ("R2", 1000), ("R3", 800)]
    for m in (1, 2, 3)
] + [
    dict(period="2025-01", level="rep", key="R4", target_amount=0),
    dict(period="2025-02", level="rep", key="R4", target_amount=700),
    dict(period="2025-3", level="rep", key="R4", target_amount=700),  # short month label on purpose
    dict(period="2025", level="company", key=None, target_amount=50000),
    dict(period="2025-Q1", level="product_line", key="Hardware", target_amount=3000),
    dict(period="2026-01", level="rep", key="R1", target_amount=2000),
]
# China's 2025 Spring Festival: holidays 01-28..02-04, adjusted working weekend days 01-26 and 02-08.
HOLIDAYS = {
    dt.date(2025, 1, 1): "New Year's Day",
    **{dt.date(2025, 1, 28) + dt.timedelta(days=i): "Spring Festival" for i in range(8)},
}
ADJUSTED_WORKDAYS = {dt.date(2025, 1, 26), dt.date(2025, 2, 8)}


def dbt_build_raw_database(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        for statement in dbt_raw_ddl():
            con.execute(statement)
        load_config_dir(con, path.parent / "no-config")  # every config file absent: manual targets only
        raw = RawWriter(con)
        raw.file("reps", "reps/reps.csv", REPS)
        raw.file("customers", "customers/customers.csv", CUSTOMERS)
        raw.file("products", "products/products.csv", PRODUCTS)
        for source_file, rows in ORDER_FILES.items():
            raw.file("orders", source_file, rows)
        raw.file("returns", "returns/returns.csv", RETURNS)
        raw.file("credit_splits", "credit_splits/splits.csv", CREDIT_SPLITS)
        raw.file("targets", "targets/targets.csv", TARGETS)
        day = dt.date(2025, 1, 1)
        while day.year == 2025:  # the calendar covers 2025 only: dim_date fills 2026 itself
            is_workday = (day.isoweekday() <= 5 and day not in HOLIDAYS) or day in ADJUSTED_WORKDAYS
            con.execute(
                "insert into raw.calendar_days values (?, ?, ?, 'chinese_calendar')",
                [day, is_workday, HOLIDAYS.get(day)],
            )
            day += dt.timedelta(days=1)
    finally:
        con.close()


@pytest.fixture(scope="module")
def dbt_built(tmp_path_factory) -> dict:
    """Build the raw database, run `dbt build` once, return the db path, dbt's output and duration."""
    work = tmp_path_factory.mktemp("dbt_models")
    db_path = work / "build.duckdb"
    dbt_build_raw_database(db_path)
    started = time.monotonic()
    output = run_dbt(db_path, work, as_of=AS_OF, timeout=300)
    return {"db": db_path, "output": output, "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def db(dbt_built):
    con = duckdb.connect(str(dbt_built["db"]), read_only=True)
    yield con
    con.close()


def _attainment(db, period_type: str, period_start: str, level: str, key: str) -> dict:
    cursor = db.execute(
        "select * from marts.fct_attainment where period_type = ? and period_start = ? and level = ? and key = ?",
        [period_type, period_start, level, key],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one attainment row for {period_type} {period_start} {level} {key!r}"
    return dict(zip(names, rows[0], strict=True))


def _target(db, period_type: str, period_start: str, level: str, key: str) -> tuple:
    return db.execute(
        "select target_amount, derivation from marts.fct_targets where period_type = ? and period_start = ? "
        "and level = ? and key = ?",
        [period_type, period_start, level, key],
    ).fetchone()


def test_dbt_build_is_clean(dbt_built):
    # Every model, data test (warnings included: the fixture has no orphans) and unit test passes.
    summary = re.search(r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", dbt_built["output"])
    assert summary, dbt_built["output"][-3000:]
    passed, warned, errored, skipped = map(int, summary.groups())
    assert (warned, errored, skipped) == (0, 0, 0), dbt_built["output"][-8000:]
    assert passed > 100
    assert re.search(r"\b\d+ unit tests\b", dbt_built["output"])
    print(f"dbt build on the fixture took {dbt_built['seconds']:.1f}s")


def test_fct_sales_totals_and_lineage(db):
    lines, net_all, net_completed, cancelled, returned = db.execute("""
        select count(*), sum(net_amount), sum(net_amount) filter (where status = 'completed'),
               count(*) filter (where status = 'cancelled'), sum(returned_amount)
        from marts.fct_sales""").fetchone()
    assert lines == 9  # 10 raw lines, O5's older version superseded by the corrected file
    # accepted raw lines (latest versions): 1000+400+1000+300+2000+750+1200+999+600 = 8249
    assert net_all == Decimal("8249")
    # less the cancelled O3 (300): 7949
    assert net_completed == Decimal("7949")
    assert cancelled == 1
    # every returned yuan lands on a line: 150 + 280 + 100 + 200 = 730
    assert returned == Decimal("730")

    o1 = dict(db.execute("select line_no, returned_amount from marts.fct_sales where order_id = 'O1'").fetchall())
    assert o1 == {1: Decimal("200"), 2: Decimal("230")}  # RT2 pro rata 200 / 80; line 2 also RT1 150

    o5 = db.execute("""select quantity, gross_amount, discount_amount, net_amount, region, team, product_line,
                              _source_file, _source_row
                       from marts.fct_sales where order_id = 'O5'""").fetchone()
    assert o5 == (
        Decimal("8"),
        Decimal("800"),
        Decimal("50"),
        Decimal("750"),
        "West",
        "W1",
        "Hardware",
        "orders/2025-03-corrected.csv",
        2,
    )

    o3 = db.execute("select status, is_creditable, net_amount from marts.fct_sales where order_id = 'O3'").fetchone()
    assert o3 == ("cancelled", False, Decimal("300"))  # visible, but credits nothing


@pytest.mark.parametrize(
    ("level", "key", "actual", "target"),
    [
        # January: sales 1000 + 400 + 1000 = 2400, less same-month returns RT1 150 + RT3 100 = 2150
        # (RT2 is recorded in February: January is unchanged).
        ("company", "", "2150", "3300"),  # target: sum of regions 2500 + 800
        ("region", "East", "2150", "2500"),  # all January lines are East's
        ("team", "E1", "2150", "2500"),  # R1 1500 + R2 1000
        ("region", "West", "0", "800"),  # no January sales; R3 800 + R4 0
        # R1: O1 1000 + 400 + 60% of O2 1000 = 2000, less RT1 150 + 60% of RT3 100 = 60 -> 1790
        ("rep", "R1", "1790", "1500"),
        # R2: 60% of O2 = 600, less 60% of RT3 = 60 -> 540 (R1 + R2 = 2330 > 2150: overlay credit)
        ("rep", "R2", "540", "1000"),
    ],
)
def test_attainment_january(db, level, key, actual, target):
    row = _attainment(db, "month", "2025-01-01", level, key)
    assert row["actual_amount"] == Decimal(actual)
    assert row["target_amount"] == Decimal(target)
    assert row["attainment_pct"] == pytest.approx(float(actual) / float(target))
    assert row["gap_amount"] == Decimal(target) - Decimal(actual)
    assert row["period_status"] == "closed"


def test_attainment_zero_target_and_counts(db):
    r4 = _attainment(db, "month", "2025-01-01", "rep", "R4")
    assert (r4["actual_amount"], r4["target_amount"], r4["attainment_pct"]) == (Decimal("0"), Decimal("0"), None)
    # January in China 2025: 23 weekdays - New Year's Day - Jan 28..31 (Spring Festival) + Sunday Jan 26 = 19
    company = _attainment(db, "month", "2025-01-01", "company", "")
    assert (company["workdays_in_period"], company["days_in_period"]) == (19, 31)
    # R1's later-month return RT2 (200 + 80) is shown, not deducted
    assert _attainment(db, "month", "2025-01-01", "rep", "R1")["later_returns_amount"] == Decimal("280")


@pytest.mark.parametrize(
    ("level", "key", "actual", "target"),
    [
        # Q1 sales: Jan 2400 + Feb 2000 (O3 cancelled) + Mar 750 + 1200 = 6350; returns recorded in Q1
        # against Q1 lines: RT1 150 + RT2 280 + RT3 100 = 530 (RT4 is April) -> 5820.
        # Target: East 7500 + West 3800 = 11300 (rolled up from the rep months).
        ("company", "", "5820", "11300"),
        # East: 2400 + 1200 - 530 = 3070; target R1 4500 + R2 3000 = 7500
        ("region", "East", "3070", "7500"),
        ("team", "E1", "3070", "7500"),
        # West: 2000 + 750 = 2750; target R3 2400 + R4 1400 = 3800
        ("region", "West", "2750", "3800"),
        ("team", "W1", "2750", "3800"),
        # R1: 1000 + 400 + 600 - (150 + 280 + 60) = 1510; target 3 x 1500
        ("rep", "R1", "1510", "4500"),
        # R2: 600 + 1200 - 60 = 1740; target 3 x 1000
        ("rep", "R2", "1740", "3000"),
        # R3: 70% of O4 2000 = 1400 (O3 cancelled); target 3 x 800
        ("rep", "R3", "1400", "2400"),
        # R4: 30% of O4 = 600 + O5 750 = 1350; target 0 + 700 + 700
        ("rep", "R4", "1350", "1400"),
        # Hardware: O1/1 1000 + O2 1000 + O5 750 - (RT2 200 + RT3 100) = 2450; given 3000
        ("product_line", "Hardware", "2450", "3000"),
        # Software: O1/2 400 + O4 2000 + O6 1200 - (RT1 150 + RT2 80) = 3370; no target
        ("product_line", "Software", "3370", None),
    ],
)
def test_attainment_first_quarter(db, level, key, actual, target):
    row = _attainment(db, "quarter", "2025-01-01", level, key)
    assert row["actual_amount"] == Decimal(actual)
    assert row["period_status"] == "closed"
    if target is None:
        assert row["target_amount"] is None and row["attainment_pct"] is None and row["gap_amount"] is None
    else:
        assert row["target_amount"] == Decimal(target)
        assert row["attainment_pct"] == pytest.approx(float(actual) / float(target))
        assert row["gap_amount"] == Decimal(target) - Decimal(actual)


def test_attainment_open_and_future_periods(db):
    # April is open: O8 600 counts, O7 (dated after as_of) does not; RT4 is against a March order.
    april = _attainment(db, "month", "2025-04-01", "company", "")
    assert (april["actual_amount"], april["period_status"], april["days_elapsed"], april["days_in_period"]) == (
        Decimal("600"),
        "open",
        10,
        30,
    )
    # Year: 6350 + 600 - (530 + RT4 200, same year) = 6220 against the given 50000
    year = _attainment(db, "year", "2025-01-01", "company", "")
    assert (year["actual_amount"], year["target_amount"], year["period_status"]) == (
        Decimal("6220"),
        Decimal("50000"),
        "open",
    )
    # The 2026 target is beyond the as-of year: in fct_targets, not in fct_attainment.
    assert db.execute("select count(*) from marts.fct_attainment where period_start >= '2026-01-01'").fetchone()[0] == 0
    assert _target(db, "month", "2026-01-01", "rep", "R1") == (Decimal("2000"), "given")


def test_rolled_up_targets(db):
    assert _target(db, "quarter", "2025-01-01", "rep", "R1") == (Decimal("4500"), "rolled_up_time")
    assert _target(db, "month", "2025-03-01", "rep", "R4") == (Decimal("700"), "given")  # label '2025-3'
    assert _target(db, "month", "2025-01-01", "team", "E1") == (Decimal("2500"), "rolled_up_org")
    assert _target(db, "quarter", "2025-01-01", "company", "") == (Decimal("11300"), "rolled_up_org")
    assert _target(db, "year", "2025-01-01", "company", "") == (Decimal("50000"), "given")  # given wins
    # Every rolled-up target equals the sum of its parts.
    mismatches = db.execute("""
        with t as (select * from marts.fct_targets),
        time_parts as (
            select t.period_type, t.period_start, t.level, t.key, sum(p.target_amount) as parts
            from t join t as p on p.level = t.level and p.key = t.key
                and p.period_type = case t.period_type when 'quarter' then 'month' else 'quarter' end
                and p.period_start between t.period_start and t.period_end
            where t.derivation = 'rolled_up_time' group by all),
        org_parts as (
            select t.period_type, t.period_start, t.level, t.key, sum(p.target_amount) as parts
            from t join marts.dim_rep r on (t.level = 'team' and r.team = t.key)
                                        or (t.level = 'region' and r.region = t.key)
                                        or t.level = 'company'
                 join t as p on p.level = 'rep' and p.key = r.rep_id
                   and p.period_type = t.period_type and p.period_start = t.period_start
            where t.derivation = 'rolled_up_org' group by all)
        select * from t join (select * from time_parts union all select * from org_parts) s using
            (period_type, period_start, level, key)
        where t.target_amount <> s.parts""").fetchall()
    assert mismatches == []
    assert db.execute("select count(*) from marts.fct_targets where derivation <> 'given'").fetchone()[0] > 10


def test_dimensions(db):
    assert db.execute("select rep_id, is_active from marts.dim_rep order by rep_id").fetchall() == [
        ("R1", True),
        ("R2", True),
        ("R3", False),
        ("R4", True),
    ]  # R3 left on 2025-04-01
    sunday = db.execute("""select is_workday, is_weekend, day_of_week, iso_week, quarter_start
                           from marts.dim_date where date = '2025-01-26'""").fetchone()
    assert sunday == (True, True, 7, 4, dt.date(2025, 1, 1))  # adjusted working Sunday
    assert db.execute("select holiday_name from marts.dim_date where date = '2025-01-29'").fetchone() == (
        "Spring Festival",
    )
    # 2026 is not in raw.calendar_days (covers 2025): filled weekends-only because a 2026 target exists
    assert db.execute("""select count(*), count(*) filter (where is_workday),
                                min(calendar_source), max(calendar_source)
                         from marts.dim_date where year = 2026""").fetchone() == (
        365,
        261,
        "weekends_only_gap_fill",
        "weekends_only_gap_fill",
    )


def test_marts_have_comments(db):
    tables = ["dim_rep", "dim_customer", "dim_product", "dim_date", "fct_sales", "fct_targets", "fct_attainment"]
    found = dict(db.execute("select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall())
    for table in tables:
        assert found.get(table), f"marts.{table} has no table comment"
    missing = db.execute("""
        select table_name || '.' || column_name from duckdb_columns()
        where schema_name = 'marts' and (comment is null or comment = '')""").fetchall()
    assert missing == []
    comment = db.execute("""select comment from duckdb_columns()
                            where schema_name = 'marts' and table_name = 'fct_attainment'
                              and column_name = 'attainment_pct'""").fetchone()[0]
    assert "NULL when the target is NULL or 0" in comment
