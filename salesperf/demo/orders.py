"""Orders: weighted pickers (who sells what to whom on a day), order headers and lines, the correction extract
(one UTF-8 CSV per year plus orders_corrections.csv)."""

from __future__ import annotations

from ingestion.entities import ENTITIES
from salesperf.demo.company import LINES_PER_ORDER, NEW_LINE, PRICE_RISE, Run
from salesperf.demo.trainings import SALES_UPLIFT
from salesperf.demo.writers import copy_csv, scalar, sql_list

# Pickers: cumulative-weight tables that ASOF joins draw from


def create_pickers(run: Run) -> None:
    """rep_day: sellers employed on each day; book: each seller's accounts per month; product_month.

    A row with uniform draw u picks the entry whose [cum_lo, next cum_lo) interval holds u, via
    `ASOF JOIN ... ON key = key AND u >= cum_lo` — weighted sampling without Python loops.
    """
    con = run.con
    # Ramp-up: new hires sell little in their first months; leavers slow down before they go; a seller who
    # completed the effective course sells more from the next day on (salesperf/demo/trainings.py).
    con.execute(f"""
        CREATE TABLE rep_day AS
        WITH w AS (
            SELECT d.d, s.rep_id, s.region,
                   s.quality * CASE datediff('month', s.hire_date, d.d) WHEN 0 THEN 0.3 WHEN 1 THEN 0.6
                                    WHEN 2 THEN 0.85 ELSE 1.0 END
                   * CASE WHEN s.termination_date - d.d < 60 THEN 0.7 ELSE 1.0 END
                   * CASE WHEN u.completed_date < d.d THEN {SALES_UPLIFT} ELSE 1.0 END AS w
            FROM days d JOIN sellers s
              ON s.hire_date <= d.d AND (s.termination_date IS NULL OR d.d <= s.termination_date)
            LEFT JOIN training_uplift u ON u.rep_id = s.rep_id
        )
        SELECT d, rep_id, region,
               (sum(w) OVER (PARTITION BY d ORDER BY rep_id) - w)
                   / sum(w) OVER (PARTITION BY d) AS cum_lo,
               (sum(w) OVER (PARTITION BY d, region ORDER BY rep_id) - w)
                   / sum(w) OVER (PARTITION BY d, region) AS cum_lo_region
        FROM w ORDER BY d, rep_id
    """)
    # An account is in a seller's book for month m when it exists by the 1st, has not churned by the
    # month's end, and the seller owns it then (the original owner up to the month they leave, the
    # successor afterwards).
    con.execute("""
        CREATE TABLE book AS
        WITH b AS (
            SELECT m.month_start, c.customer_id, c.weight,
                   CASE WHEN c.orig_term IS NULL OR m.month_start <= date_trunc('month', c.orig_term)
                        THEN c.orig_owner ELSE c.successor END AS rep_id
            FROM months m JOIN customers c
              ON c.created_date <= m.month_start
             AND (c.churn_date IS NULL OR last_day(m.month_start) <= c.churn_date)
        )
        SELECT rep_id, month_start, customer_id,
               (sum(weight) OVER (PARTITION BY rep_id, month_start ORDER BY customer_id) - weight)
                   / sum(weight) OVER (PARTITION BY rep_id, month_start) AS cum_lo
        FROM b WHERE rep_id IS NOT NULL ORDER BY rep_id, month_start, customer_id
    """)
    # Products sell from the month after launch; the new line ramps up over its first half year.
    con.execute(f"""
        CREATE TABLE product_month AS
        WITH w AS (
            SELECT m.month_start, p.product_id,
                   p.weight * CASE WHEN p.product_line = '{NEW_LINE}'
                                   THEN least(1.0, (datediff('month', p.launch_date, m.month_start)) / 6.0)
                                   ELSE 1.0 END AS w
            FROM months m JOIN products p ON p.launch_date < m.month_start
        )
        SELECT month_start, product_id,
               (sum(w) OVER (PARTITION BY month_start ORDER BY product_id) - w)
                   / sum(w) OVER (PARTITION BY month_start) AS cum_lo
        FROM w ORDER BY month_start, product_id
    """)
    # The same within each product line: a line a customer prefers is drawn from here.
    con.execute(f"""
        CREATE TABLE product_line_month AS
        WITH w AS (
            SELECT m.month_start, p.product_line, p.product_id, p.weight AS w
            FROM months m JOIN products p ON p.launch_date < m.month_start
            WHERE p.product_line <> '{NEW_LINE}'
        )
        SELECT month_start, product_line, product_id,
               (sum(w) OVER (PARTITION BY month_start, product_line ORDER BY product_id) - w)
                   / sum(w) OVER (PARTITION BY month_start, product_line) AS cum_lo
        FROM w ORDER BY month_start, product_line, product_id
    """)


def assign_rep_and_customer(run: Run, source: str, target: str, key: str, salt: str) -> None:
    """target = source (with columns d, month_start, <key>) + rep_id (employed on d) + customer_id."""
    run.con.execute(f"""
        CREATE TABLE {target} AS
        WITH r AS (
            SELECT s.*, rd.rep_id, rnd(s.{key}, '{salt}-cust') AS u_cust
            FROM (SELECT *, rnd({key}, '{salt}-rep') AS u_rep FROM {source}) s
            ASOF JOIN rep_day rd ON rd.d = s.d AND s.u_rep >= rd.cum_lo
        )
        SELECT r.* EXCLUDE (u_rep, u_cust), b.customer_id
        FROM r ASOF JOIN book b
          ON b.rep_id = r.rep_id AND b.month_start = r.month_start AND r.u_cust >= b.cum_lo
        ORDER BY r.{key}
    """)


def _create_order_headers(run: Run) -> None:
    con = run.con
    cum = " ".join(
        f"WHEN u < {round(sum(p for _, p in LINES_PER_ORDER[: i + 1]), 6)} THEN {k}"
        for i, (k, _) in enumerate(LINES_PER_ORDER[:-1])
    )
    # Orders are numbered chronologically: day by day, slots within a day.
    con.execute(f"""
        CREATE TABLE order_slots AS
        WITH s AS (SELECT d, month_start, unnest(range(n_orders::BIGINT)) AS j FROM days),
        o AS (SELECT d, month_start, (row_number() OVER (ORDER BY d, j) - 1)::BIGINT AS oidx FROM s)
        SELECT d, month_start, oidx, CASE {cum} ELSE {LINES_PER_ORDER[-1][0]} END AS nlines
        FROM (SELECT *, rnd(oidx, 'nlines') AS u FROM o)
        ORDER BY oidx
    """)
    # Nudge a few orders' line counts so the total is exactly `scale` lines.
    excess = int(scalar(run, "SELECT sum(nlines) FROM order_slots")) - run.scale
    if excess:
        step, eligible = (-1, "nlines > 1") if excess > 0 else (1, f"nlines < {LINES_PER_ORDER[-1][0]}")
        con.execute(f"""
            CREATE OR REPLACE TABLE order_slots AS
            SELECT d, month_start, oidx,
                   nlines + CASE WHEN ok AND rk <= {abs(excess)} THEN {step} ELSE 0 END AS nlines
            FROM (SELECT *, {eligible} AS ok,
                         row_number() OVER (PARTITION BY {eligible} ORDER BY rnd(oidx, 'trim'), oidx) AS rk
                  FROM order_slots)
            ORDER BY oidx
        """)
    assign_rep_and_customer(run, "order_slots", "order_hdr_raw", "oidx", "order")
    width = max(6, len(str(scalar(run, "SELECT count(*) FROM order_slots"))))
    con.execute(f"""
        CREATE TABLE order_hdr AS
        SELECT 'SO' || year(d) || printf('%0{width}d', row_number() OVER (PARTITION BY year(d) ORDER BY oidx))
                   AS order_id, h.*
        FROM order_hdr_raw h ORDER BY oidx
    """)


# Industries whose orders favour two product lines (they buy them together: product association).
PREFERRED_LINES = {
    ("电力", "水务", "燃气", "市政"): ("智能仪表", "运维服务"),
    ("石油化工", "冶金", "汽车制造", "电子制造"): ("控制系统", "工业传感器"),
}
PREFERRED_SHARE = 0.3  # of a favouring customer's other order lines drawn from its two lines
BUNDLE_SHARE = 0.5  # of a favouring customer's orders of 2+ lines that start with the pair (a bundle)


def _create_order_lines(run: Run) -> None:
    con, as_of = run.con, run.as_of
    preferred = " ".join(
        f"WHEN '{industry}' THEN {sql_list(lines)}"
        for industries, lines in PREFERRED_LINES.items()
        for industry in industries
    )
    # ~2% of orders are cancelled whole and ~1% of other lines individually: ~3% cancelled lines (more for the
    # sellers and windows of an injected cancellation spike).
    con.execute(f"""
        CREATE TABLE lines AS
        WITH l AS (
            SELECT h.order_id, h.oidx, h.d AS order_date, h.month_start, h.customer_id, h.rep_id, h.nlines,
                   unnest(range(1, h.nlines + 1)) AS line_no
            FROM order_hdr h
        ), f AS (
            SELECT l.*, l.oidx * 4 + l.line_no AS lk, CASE c.industry {preferred} END AS pair,
                   l.nlines >= 2 AND rnd(l.oidx, 'bundle') < {BUNDLE_SHARE} AS bundle,
                   1 + pick(l.oidx, 'bundle_first', 2) AS first
            FROM l JOIN customers c USING (customer_id)
        ), k AS (  -- a bundle's first two lines are the pair's two lines; other lines lean towards them
            SELECT * EXCLUDE (pair, bundle, first, nlines), rnd(lk, 'product') AS u_prod,
                   CASE WHEN pair IS NULL THEN NULL
                        WHEN bundle AND line_no <= 2
                            THEN list_extract(pair, CASE WHEN line_no = 1 THEN first ELSE 3 - first END)
                        WHEN rnd(lk, 'pref') < {PREFERRED_SHARE} THEN list_extract(pair, 1 + pick(lk, 'pref_which', 2))
                        END AS pref_line
            FROM f
        ), p AS (  -- a customer's industry favours two product lines, which its orders then combine
            SELECT k.* EXCLUDE (pref_line), coalesce(pl.product_id, pm.product_id) AS product_id FROM k
            ASOF JOIN product_month pm ON pm.month_start = k.month_start AND k.u_prod >= pm.cum_lo
            ASOF LEFT JOIN product_line_month pl
              ON pl.month_start = k.month_start AND pl.product_line = k.pref_line AND k.u_prod >= pl.cum_lo
        ), v AS (
            SELECT p.*,
                   ceil((1 + floor(pr.max_qty * pow(rnd(lk, 'qty'), 2.5))) * c.qty_mult)::INTEGER AS quantity,
                   -- list prices rise every year, and reps give a little on the list price
                   round(pr.list_price * (1 - {PRICE_RISE} * (DATE '{as_of}' - order_date) / 365.25)
                         * (0.96 + 0.04 * rnd(lk, 'price')), 2)::DECIMAL(18,2) AS unit_price,
                   rnd(oidx, 'cancel_order') < 0.02 OR rnd(lk, 'cancel_line') < 0.01
                       OR rnd(oidx, 'cancel_spike') < coalesce(i.rate, 0) AS cancelled,
                   CASE WHEN rnd(lk, 'discount') < 0.3
                        THEN 0.02 + 0.13 * rnd(lk, 'discount_pct') ELSE 0 END AS discount_pct
            FROM p JOIN products pr USING (product_id) JOIN customers c USING (customer_id)
            -- injected cancellation spikes (truth.py): a share of the rep's orders in the window cancelled whole
            LEFT JOIN injected i ON i.kind = 'cancellation_spike' AND i.rep_id = p.rep_id
                                AND p.order_date BETWEEN i.start_date AND i.end_date
        )
        SELECT order_id, line_no::INTEGER AS line_no, order_date, customer_id, rep_id, product_id,
               quantity, unit_price,
               round(quantity * unit_price * discount_pct, 2)::DECIMAL(18,2) AS discount_amount,
               'CNY' AS currency,
               CASE WHEN cancelled THEN 'cancelled' ELSE 'completed' END AS status,
               CASE WHEN cancelled THEN least(order_date + pick(lk, 'cancel_days', 15)::INTEGER,
                                              DATE '{as_of}') END AS cancelled_date,
               CASE WHEN cancelled
                    THEN at_time(least(order_date + pick(lk, 'cancel_days', 15)::INTEGER, DATE '{as_of}'),
                                 lk, 'cancel_time')
                    ELSE at_time(order_date, lk, 'entry_time') END AS updated_at,
               oidx, lk
        FROM v ORDER BY oidx, line_no
    """)


def _create_corrections(run: Run) -> None:
    """~200 earlier completed lines restated later: half cancelled, half with an extra discount."""
    con, as_of = run.con, run.as_of
    share = min(1.0, 1000 / run.scale)  # pre-filter cheaply, then take the first 200 by hash
    con.execute(f"""
        CREATE TABLE corrections AS
        WITH c AS (
            SELECT * FROM lines
            WHERE status = 'completed' AND order_date <= DATE '{as_of}' - 60 AND rnd(lk, 'corr') < {share}
            ORDER BY rnd(lk, 'corr_rank'), lk LIMIT 200
        )
        SELECT order_id, line_no, order_date, customer_id, rep_id, product_id, quantity, unit_price,
               CASE WHEN to_cancel THEN discount_amount
                    ELSE least(quantity * unit_price - 0.01,
                               discount_amount + round(quantity * unit_price * 0.05, 2))::DECIMAL(18,2)
                    END AS discount_amount,
               currency,
               CASE WHEN to_cancel THEN 'cancelled' ELSE 'completed' END AS status,
               CASE WHEN to_cancel THEN order_date + 3 + pick(lk, 'corr_days', 28)::INTEGER END
                   AS cancelled_date,
               at_time(order_date + 3 + pick(lk, 'corr_days', 28)::INTEGER, lk, 'corr_time') AS updated_at,
               oidx, lk
        FROM (SELECT *, rnd(lk, 'corr_kind') < 0.5 AS to_cancel FROM c)
        ORDER BY oidx, line_no
    """)
    # Returns and payments are generated from the state after corrections, as the ERP would have it.
    con.execute("""
        CREATE VIEW final_lines AS
        SELECT * FROM lines WHERE lk NOT IN (SELECT lk FROM corrections)
        UNION ALL SELECT * FROM corrections
    """)


_ORDER_COLUMNS = ", ".join(ENTITIES["orders"].column_names)


def write_orders(run: Run) -> int:
    _create_order_headers(run)
    _create_order_lines(run)
    _create_corrections(run)
    written = 0
    for year in range(run.start.year, run.as_of.year + 1):
        written += copy_csv(
            run,
            f"""SELECT {_ORDER_COLUMNS} FROM lines WHERE year(order_date) = {year}
                                      ORDER BY oidx, line_no""",
            run.out_dir / "orders" / f"orders_{year}.csv",
        )
    corrections = copy_csv(
        run,
        f"SELECT {_ORDER_COLUMNS} FROM corrections ORDER BY oidx, line_no",
        run.out_dir / "orders" / "orders_corrections.csv",
    )
    run.progress(f"orders: {written:,} lines + {corrections} corrections")
    return written + corrections
