"""One more day of a generated company's orders (issue 20's refresh scenario): a new daily export and a
corrections extract touching older lines, landed beside the existing files.

The new day's lines copy customers, reps, products and prices of randomly drawn existing lines (so every
reference resolves) under new order ids dated `day`. Each correction is a later version (newer updated_at) of an
existing completed line: its quantity goes up by one, or every tenth one is cancelled. `touch_months` names
months that must get at least one correction (e.g. a closed commission period, to see it restated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

COLUMNS = (
    "order_id, line_no, order_date, customer_id, rep_id, product_id, quantity, unit_price, discount_amount, "
    "currency, status, cancelled_date, updated_at"
)


@dataclass(frozen=True)
class NextDay:
    orders_file: Path
    corrections_file: Path
    new_lines: int
    corrected_lines: int
    corrected_months: list[dt.date]


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_next_day(
    landing: Path,
    day: dt.date,
    *,
    lines: int = 7_000,
    corrections: int = 50,
    touch_months: tuple[dt.date, ...] = (),
    seed: int = 1,
) -> NextDay:
    """Write orders/orders_<day>.csv (`lines` new lines) and orders/orders_corrections_<day>.csv."""
    orders = landing / "orders"
    existing = sorted(p for p in orders.glob("*.csv") if p.is_file())
    if not existing:
        raise ValueError(f"{orders} holds no order CSVs to extend")
    new_file, fix_file = orders / f"orders_{day:%Y%m%d}.csv", orders / f"orders_corrections_{day:%Y%m%d}.csv"
    con = duckdb.connect()
    try:
        con.execute(f"SELECT setseed({1 / (seed + 1)})")
        con.execute(
            # the current version of each line (an earlier corrections file may hold a later one)
            f"CREATE TABLE lines AS SELECT * FROM (SELECT {COLUMNS} FROM read_csv("
            f"[{', '.join(_quote(p) for p in existing)}], header = true, all_varchar = true, union_by_name = true) "
            "QUALIFY row_number() OVER (PARTITION BY order_id, line_no ORDER BY updated_at DESC NULLS LAST) = 1) "
            "WHERE status = 'completed'"
        )
        con.execute(
            f"""
            COPY (
                WITH drawn AS (SELECT * FROM lines ORDER BY hash(order_id, line_no, {seed}) LIMIT {lines})
                SELECT 'SO' || strftime(DATE '{day}', '%Y%m%d') || 'N'
                           || lpad(cast((n - 1) // 3 + 1 AS VARCHAR), 6, '0') AS order_id,
                       (n - 1) % 3 + 1 AS line_no, DATE '{day}' AS order_date, customer_id, rep_id, product_id,
                       quantity, unit_price, discount_amount, currency, 'completed' AS status,
                       NULL AS cancelled_date, strftime(DATE '{day}', '%Y-%m-%d') || ' 18:00:00' AS updated_at
                FROM (SELECT *, row_number() OVER (ORDER BY hash(order_id, line_no, {seed})) AS n FROM drawn)
                ORDER BY n
            ) TO {_quote(new_file)} (HEADER, DELIMITER ',')
            """
        )
        months = ", ".join(f"DATE '{m}'" for m in touch_months) or "NULL"
        con.execute(
            f"""
            CREATE TABLE fixes AS
            WITH candidates AS (
                SELECT *, date_trunc('month', cast(order_date AS DATE)) IN ({months}) AS must
                FROM lines WHERE cast(order_date AS DATE) < DATE '{day}'
            ),
            chosen AS (
                (SELECT * FROM candidates WHERE must QUALIFY row_number() OVER (
                    PARTITION BY date_trunc('month', cast(order_date AS DATE))
                    ORDER BY hash(order_id, line_no, {seed})) = 1)
                UNION ALL
                (SELECT * FROM candidates WHERE NOT must ORDER BY hash(order_id, line_no, {seed} + 1)
                    LIMIT {max(corrections - len(touch_months), 0)})
            )
            SELECT order_id, line_no, order_date, customer_id, rep_id, product_id,
                   CASE WHEN row_number() OVER (ORDER BY order_id, line_no) % 10 = 0 THEN quantity
                        ELSE cast(cast(quantity AS DECIMAL(18, 4)) + 1 AS VARCHAR) END AS quantity,
                   unit_price, discount_amount, currency,
                   CASE WHEN row_number() OVER (ORDER BY order_id, line_no) % 10 = 0 THEN 'cancelled'
                        ELSE status END AS status,
                   CASE WHEN row_number() OVER (ORDER BY order_id, line_no) % 10 = 0
                        THEN strftime(DATE '{day}', '%Y-%m-%d') END AS cancelled_date,
                   strftime(DATE '{day}', '%Y-%m-%d') || ' 19:00:00' AS updated_at
            FROM chosen
            """
        )
        con.execute(f"COPY (SELECT * FROM fixes ORDER BY order_id, line_no) TO {_quote(fix_file)} (HEADER)")
        new_lines = int(con.execute(f"SELECT count(*) FROM read_csv({_quote(new_file)})").fetchone()[0])
        fixed = con.execute(
            "SELECT count(*), list(DISTINCT cast(date_trunc('month', cast(order_date AS DATE)) AS DATE) "
            "ORDER BY 1) FROM fixes"
        ).fetchone()
    finally:
        con.close()
    return NextDay(new_file, fix_file, new_lines, int(fixed[0]), list(fixed[1] or []))
