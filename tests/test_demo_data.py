"""The demo company generator: determinism, export formats and the business shape of the data.

One small company (20,000 order lines, as of 2025-11-15) is generated per module and checked with plain
DuckDB over the written files, i.e. the way a downstream reader sees them.

Over 400 lines on purpose: the tests of one component, sharing its fixtures (split by component, not by size).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ingestion.entities import ENTITIES
from salesperf.calendar import SPRING_FESTIVAL
from salesperf.demo import NEW_LINE, PRODUCT_LINES, REGIONS, generate_demo_data

AS_OF = dt.date(2025, 11, 15)
SCALE = 20_000
FIRST_YEAR = AS_OF.year - 3


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, int], list[str]]:
    out = tmp_path_factory.mktemp("demo")
    messages: list[str] = []
    counts = generate_demo_data(out, scale=SCALE, seed=42, as_of=AS_OF, progress=messages.append)
    return out, counts, messages


@pytest.fixture(scope="module")
def con(demo) -> duckdb.DuckDBPyConnection:
    """Tables read once from the written exports; amounts as DECIMAL so comparisons are exact."""
    root = demo[0]
    c = duckdb.connect()
    money = "{'unit_price': 'DECIMAL(18,2)', 'discount_amount': 'DECIMAL(18,2)'}"
    c.execute(f"""CREATE TABLE orders AS SELECT * FROM read_csv('{root}/orders/orders_2*.csv', types={money},
                                                           union_by_name=true)""")
    c.execute(f"CREATE TABLE corrections AS SELECT * FROM read_csv('{root}/orders/orders_corrections.csv')")
    c.execute(f"CREATE TABLE reps AS SELECT * FROM read_csv('{root}/reps/reps.csv')")
    c.execute(f"""CREATE TABLE returns AS SELECT * FROM read_csv('{root}/returns/returns.csv',
                                                            types={{'amount': 'DECIMAL(18,2)'}})""")
    c.execute(f"CREATE TABLE payments AS SELECT * FROM '{root}/payments/payments.parquet'")
    c.execute(f"CREATE TABLE splits AS SELECT * FROM read_csv('{root}/credit_splits/credit_splits.csv')")
    c.execute(f"""CREATE TABLE targets AS SELECT * FROM read_csv('{root}/targets/targets_*.csv',
                                                            union_by_name=true, types={{'key': 'VARCHAR'}})""")
    customers = pd.read_csv(root / "customers" / "customers.csv", encoding="gbk", dtype=str)
    c.register("customers", customers)
    sheet = openpyxl.load_workbook(root / "products" / "products.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    c.register("products", pd.DataFrame(rows[1:], columns=[col.name for col in ENTITIES["products"].columns]))
    c.execute("""CREATE TABLE sales AS SELECT *, quantity * unit_price - discount_amount AS net
                 FROM orders WHERE status = 'completed'""")
    yield c
    c.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


# -- determinism ---------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    root = demo[0]
    generate_demo_data(tmp_path, scale=SCALE, seed=42, as_of=AS_OF)
    assert _hashes(tmp_path) == _hashes(root)


def test_another_seed_gives_other_orders(demo, tmp_path):
    generate_demo_data(tmp_path, scale=SCALE, seed=43, as_of=AS_OF)
    name = f"orders/orders_{AS_OF.year}.csv"
    assert _hashes(tmp_path)[name] != _hashes(demo[0])[name]


# -- files and formats ---------------------------------------------------------------------------------


def test_every_entity_is_written_and_counted(demo):
    root, counts, messages = demo
    assert set(counts) == set(ENTITIES)
    for entity in ENTITIES:
        files = [p for p in (root / entity).iterdir() if p.is_file()]
        assert files, entity
        assert counts[entity] > 0, entity
    assert f"orders: {SCALE:,} lines + 200 corrections" in messages
    expected = [f"orders_{y}.csv" for y in range(FIRST_YEAR, AS_OF.year + 1)] + ["orders_corrections.csv"]
    assert sorted(p.name for p in (root / "orders").iterdir()) == sorted(expected)
    assert sorted(p.name for p in (root / "targets").iterdir()) == [
        f"targets_{AS_OF.year - 1}.csv",
        f"targets_{AS_OF.year}.csv",
    ]


def test_customers_is_gbk_with_chinese_headers_and_slash_dates(demo):
    raw = (demo[0] / "customers" / "customers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("gbk").splitlines()
    assert lines[0].split(",") == [c.aliases[0] for c in ENTITIES["customers"].columns]
    assert lines[0].startswith("客户编号,客户名称")
    created = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert all(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", d) for d in created)
    assert any(re.fullmatch(r"\d{4}/\d/\d", d) for d in created)  # unpadded, like 2025/3/5


def test_reps_is_utf8_with_bom_and_canonical_headers(demo):
    raw = (demo[0] / "reps" / "reps.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0].split(",") == ENTITIES["reps"].column_names


def test_products_is_an_xlsx_with_chinese_headers_numbers_and_dates(demo):
    sheet = openpyxl.load_workbook(demo[0] / "products" / "products.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.aliases[0] for c in ENTITIES["products"].columns]
    assert len(rows) - 1 == demo[1]["products"] >= 55
    for row in rows[1:]:
        assert isinstance(row[4], int | float) and isinstance(row[5], int | float) and 0 < row[5] < row[4]
        assert isinstance(row[6], dt.datetime)
    assert {row[2] for row in rows[1:]} == set(PRODUCT_LINES)


def test_plain_csvs_have_canonical_headers_and_payments_are_parquet(demo):
    root = demo[0]
    for entity in (
        "orders",
        "returns",
        "credit_splits",
        "opportunities",
        "activities",
        "surveys",
        "trainings",
        "targets",
        "adjustments",
    ):
        for path in (root / entity).glob("*.csv"):
            header = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
            assert header.split(",") == ENTITIES[entity].column_names, path.name
    table = pq.read_table(root / "payments" / "payments.parquet")
    assert table.column_names == ENTITIES["payments"].column_names
    assert table.num_rows == demo[1]["payments"]
    assert "¥" in (root / "adjustments" / "adjustments.csv").read_text(encoding="utf-8")


# -- orders --------------------------------------------------------------------------------------------


def test_order_lines_match_scale_and_ids_look_real(con):
    assert _one(con, "SELECT count(*) FROM orders") == SCALE
    assert _one(con, "SELECT count(*) FROM (SELECT DISTINCT order_id, line_no FROM orders)") == SCALE
    assert _one(con, "SELECT max(line_no) FROM orders") == 4
    assert _one(con, "SELECT count(*) FROM orders WHERE NOT regexp_full_match(order_id, 'SO\\d{4}\\d{6,}')") == 0
    assert _one(con, "SELECT count(*) FROM orders WHERE substr(order_id, 3, 4)::INT <> year(order_date)") == 0
    assert _one(con, "SELECT count(*) FROM orders WHERE updated_at IS NULL") == 0


def test_history_spans_three_years_and_stops_at_as_of(con):
    first, last = con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchall()[0]
    assert first.year == FIRST_YEAR and first.month == 1
    assert AS_OF - dt.timedelta(days=7) <= last <= AS_OF


def test_about_three_percent_of_lines_are_cancelled_after_ordering(con):
    share = _one(con, "SELECT avg((status = 'cancelled')::INT) FROM orders")
    assert 0.02 <= share <= 0.04
    assert (
        _one(
            con,
            """SELECT count(*) FROM orders WHERE status = 'cancelled'
                        AND (cancelled_date IS NULL OR cancelled_date < order_date)""",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) FROM orders WHERE status = 'completed' AND cancelled_date IS NOT NULL") == 0


def test_corrections_restate_earlier_lines_later(con):
    rows = con.execute("""
        SELECT count(*), count(o.order_id), count(*) FILTER (c.updated_at <= o.updated_at),
               count(*) FILTER (c.status = 'cancelled' AND o.status = 'completed')
        FROM corrections c LEFT JOIN orders o USING (order_id, line_no)""").fetchall()[0]
    total, matched, not_later, newly_cancelled = rows
    assert total == 200 and matched == 200 and not_later == 0
    assert 50 <= newly_cancelled <= 150


def test_new_line_never_sells_before_its_launch(con):
    assert (
        _one(
            con,
            f"""SELECT count(*) FROM orders o JOIN products p USING (product_id)
                         WHERE p.product_line = '{NEW_LINE}' AND o.order_date < p.launch_date::DATE""",
        )
        == 0
    )
    assert (
        _one(
            con,
            f"""SELECT count(*) FROM orders o JOIN products p USING (product_id)
                         WHERE p.product_line = '{NEW_LINE}'""",
        )
        > 0
    )
    launch = _one(con, f"SELECT min(launch_date)::DATE FROM products WHERE product_line = '{NEW_LINE}'")
    assert dt.date(FIRST_YEAR + 1, 1, 1) <= launch <= AS_OF - dt.timedelta(days=180)  # mid-history


def test_every_order_is_booked_by_a_rep_employed_that_day(con):
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM (SELECT * FROM orders UNION ALL SELECT * FROM corrections) o
        LEFT JOIN reps r USING (rep_id)
        WHERE r.rep_id IS NULL OR r.role <> 'rep' OR o.order_date < r.hire_date
           OR o.order_date > coalesce(r.termination_date, DATE '9999-12-31')""",
        )
        == 0
    )
    # leavers did sell before they left
    assert (
        _one(
            con,
            """SELECT count(DISTINCT rep_id) FROM orders JOIN reps USING (rep_id)
                        WHERE termination_date IS NOT NULL""",
        )
        > 0
    )


def test_customers_are_mostly_in_their_reps_region(con):
    share = _one(
        con,
        """SELECT avg((c.区域 = r.region)::INT) FROM orders o
                         JOIN customers c ON c.客户编号 = o.customer_id JOIN reps r USING (rep_id)""",
    )
    assert 0.9 <= share < 1.0
    assert _one(con, "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT 客户编号 FROM customers)") == 0


# -- seasonality and growth ----------------------------------------------------------------------------


def _monthly(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, int], float]:
    rows = con.execute("SELECT year(order_date), month(order_date), sum(net)::DOUBLE FROM sales GROUP BY 1, 2")
    return {(y, m): s for y, m, s in rows.fetchall()}


def test_spring_festival_month_is_below_the_average_month(con):
    monthly = _monthly(con)
    for year in range(FIRST_YEAR, AS_OF.year + 1):
        months = {m: s for (y, m), s in monthly.items() if y == year}
        average = sum(months.values()) / len(months)
        assert months[SPRING_FESTIVAL[year].month] < 0.85 * average, year


def test_december_is_above_average_and_the_top_month(con):
    monthly = _monthly(con)
    for year in range(FIRST_YEAR, AS_OF.year):
        months = {m: s for (y, m), s in monthly.items() if y == year}
        assert months[12] > 1.2 * sum(months.values()) / 12, year
        assert months[12] == max(months.values()), year


def test_sales_grow_year_over_year(con):
    full_years = con.execute(f"""SELECT year(order_date), sum(net)::DOUBLE FROM sales
                                 WHERE year(order_date) < {AS_OF.year} GROUP BY 1 ORDER BY 1""").fetchall()
    growth = [b / a for (_, a), (_, b) in zip(full_years, full_years[1:], strict=False)]
    assert len(growth) == 2 and all(1.03 < g < 1.25 for g in growth), growth
    ytd = con.execute(f"""SELECT year(order_date), sum(net)::DOUBLE FROM sales
                          WHERE dayofyear(order_date) <= {AS_OF.timetuple().tm_yday}
                            AND year(order_date) >= {AS_OF.year - 1} GROUP BY 1 ORDER BY 1""").fetchall()
    assert ytd[1][1] > ytd[0][1]


# -- organisation, customers ---------------------------------------------------------------------------


def test_organisation_has_five_regions_directors_managers_and_teams(con):
    assert {r for (r,) in con.execute("SELECT DISTINCT region FROM reps").fetchall()} == set(REGIONS)
    assert {r for (r,) in con.execute("SELECT DISTINCT 区域 FROM customers").fetchall()} == set(REGIONS)
    roles = dict(con.execute("SELECT role, count(*) FROM reps GROUP BY 1").fetchall())
    assert roles["director"] == 5 and sum(roles.values()) == 120
    assert (
        _one(
            con,
            """SELECT count(*) FROM reps r JOIN reps m ON m.rep_id = r.manager_id
                        WHERE NOT ((r.role = 'rep' AND m.role = 'manager' AND m.team = r.team)
                                OR (r.role = 'manager' AND m.role = 'director' AND m.region = r.region))""",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) FROM reps WHERE role <> 'director' AND manager_id IS NULL") == 0
    sizes = [n for (n,) in con.execute("SELECT count(*) FROM reps WHERE role = 'rep' GROUP BY team").fetchall()]
    assert min(sizes) >= 5 and max(sizes) <= 11
    assert (
        _one(
            con,
            "SELECT count(*) FROM reps WHERE team IS NOT NULL AND NOT regexp_full_match(team, "
            "'(华东|华南|华北|华中|西南)[一二三四五六七八九十百零]+组')",
        )
        == 0
    )
    hired_last_year = _one(con, f"SELECT count(*) FROM reps WHERE hire_date > DATE '{AS_OF}' - 365")
    leavers = _one(con, "SELECT count(*) FROM reps WHERE termination_date IS NOT NULL")
    assert hired_last_year > 0 and leavers > 0


def test_customers_about_25_per_rep_and_leavers_accounts_handed_over(con):
    per_rep = _one(con, "SELECT count(*) / (SELECT count(*) FROM reps WHERE role = 'rep') FROM customers")
    assert 20 <= per_rep <= 30
    assert (
        _one(
            con,
            """SELECT count(*) FROM customers c JOIN reps r ON r.rep_id = c.负责人编号
                        WHERE r.termination_date IS NOT NULL OR r.role <> 'rep'""",
        )
        == 0
    )
    assert {s for (s,) in con.execute("SELECT DISTINCT 客户分级 FROM customers").fetchall()} == {"战略", "重点", "普通"}


# -- returns, payments, splits -------------------------------------------------------------------------


def test_returns_are_positive_bounded_and_spread_over_time(con):
    share = _one(con, "SELECT (SELECT count(*) FROM returns) / count(*) FROM sales")
    assert 0.01 <= share <= 0.03
    row = con.execute(f"""
        SELECT count(*) FILTER (x.amount <= 0 OR x.amount > s.net OR x.return_date > DATE '{AS_OF}'
                                OR x.return_date < s.order_date),
               count(*) FILTER (s.order_id IS NULL),
               count(*) FILTER (date_trunc('month', x.return_date) = date_trunc('month', s.order_date)),
               count(*) FILTER (date_trunc('month', x.return_date) > date_trunc('month', s.order_date)
                                AND x.return_date - s.order_date <= 90),
               count(*) FILTER (x.return_date - s.order_date > 90)
        FROM returns x LEFT JOIN sales s USING (order_id, line_no)""").fetchall()[0]
    bad, orphans, same_month, later_within_90, beyond_90 = row
    assert bad == 0 and orphans == 0
    assert same_month > 0 and later_within_90 > 0 and beyond_90 > 0


def test_payments_follow_orders_and_stop_at_as_of(con):
    row = con.execute(f"""
        WITH p AS (SELECT order_id, sum(amount) AS paid, min(payment_date) AS first_paid, count(*) AS n
                   FROM payments GROUP BY 1),
             o AS (SELECT order_id, min(order_date) AS order_date, sum(net) AS net FROM sales GROUP BY 1)
        SELECT count(*) FILTER (p.paid > o.net OR p.first_paid < o.order_date + 15),
               count(*) FILTER (o.order_id IS NULL), max(p.n),
               (SELECT max(payment_date) FROM payments) <= DATE '{AS_OF}',
               (SELECT count(*) FROM o WHERE order_date < DATE '{AS_OF}' - 200
                                          AND order_id NOT IN (SELECT order_id FROM payments)),
               (SELECT count(*) FROM o WHERE order_date < DATE '{AS_OF}' - 200)
        FROM p LEFT JOIN o USING (order_id)""").fetchall()[0]
    overpaid, orphans, max_instalments, none_after_as_of, unpaid_old, old = row
    assert overpaid == 0 and orphans == 0 and max_instalments == 4 and none_after_as_of
    assert 0.02 < unpaid_old / old < 0.12  # most orders get paid, some never


def test_credit_splits_share_orders_and_overlay_above_one(con):
    totals = [t for (t,) in con.execute("SELECT round(sum(split_pct), 6) FROM splits GROUP BY order_id").fetchall()]
    orders = _one(con, "SELECT count(DISTINCT order_id) FROM orders")
    assert 0.01 < len(totals) / orders < 0.04
    assert sum(t == 1 for t in totals) > 0 and sum(t > 1 for t in totals) > 0
    assert _one(con, "SELECT max(n) FROM (SELECT count(*) AS n FROM splits GROUP BY order_id, rep_id)") == 1


# -- targets -------------------------------------------------------------------------------------------


def test_targets_cover_every_employed_rep_each_month_of_both_years(con):
    for year in (AS_OF.year - 1, AS_OF.year):
        missing = _one(
            con,
            f"""
            WITH months AS (SELECT unnest(generate_series(DATE '{year}-01-01', DATE '{year}-12-01',
                                                          INTERVAL 1 MONTH))::DATE AS m),
                 employed AS (SELECT strftime(m, '%Y-%m') AS period, rep_id FROM months JOIN reps
                              ON role = 'rep' AND hire_date <= last_day(m)
                             AND coalesce(termination_date, DATE '9999-12-31') >= m)
            SELECT count(*) FROM employed e
            LEFT JOIN targets t ON t.level = 'rep' AND t.key = e.rep_id AND t.period = e.period
            WHERE t.period IS NULL""",
        )
        assert missing == 0, year
    assert (
        _one(
            con,
            """SELECT count(*) FROM targets t JOIN reps r ON r.rep_id = t.key
                         WHERE t.level = 'rep' AND (r.hire_date > last_day((t.period || '-01')::DATE)
                            OR r.termination_date < (t.period || '-01')::DATE)""",
        )
        == 0
    )
    lines = con.execute(f"""SELECT key, count(*) FROM targets WHERE level = 'product_line'
                            AND period LIKE '{AS_OF.year}-%' GROUP BY 1""").fetchall()
    assert dict(lines) == dict.fromkeys(PRODUCT_LINES, 12)


def test_plan_year_targets_are_history_times_growth(con):
    ratio = _one(
        con,
        f"""
        SELECT (SELECT sum(target_amount) FROM targets WHERE level = 'rep' AND period LIKE '{AS_OF.year}-%')
             / (SELECT sum(net) FROM sales WHERE year(order_date) = {AS_OF.year - 1})""",
    )
    assert 1.05 < ratio < 1.2
