"""After the order: returns (some beyond 90 days), payments in instalments (回款, Parquet), credit splits."""

from __future__ import annotations

from salesperf.demo.company import Run
from salesperf.demo.writers import copy_csv, path_sql, sql_list


def write_returns(run: Run) -> int:
    """~2% of completed lines; 40% in the order's month, the rest 20-85 or 91-130 days later."""
    as_of = run.as_of
    reasons = ("质量问题", "型号不符", "运输损坏", "客户项目取消", "重复下单", "安装环境不符")
    n = copy_csv(
        run,
        f"""
        WITH r AS (
            SELECT order_id, line_no, order_date, quantity, lk,
                   quantity * unit_price - discount_amount AS net,
                   -- mostly partial returns: a few units of the line
                   1 + floor(quantity * pow(rnd(lk, 'ret_qty'), 2))::INTEGER AS ret_qty,
                   CASE WHEN rnd(lk, 'ret_when') < 0.4
                        THEN order_date + pick(lk, 'ret_days', last_day(order_date) - order_date + 1)::INTEGER
                        WHEN rnd(lk, 'ret_when') < 0.75 THEN order_date + 20 + pick(lk, 'ret_days', 66)::INTEGER
                        ELSE order_date + 91 + pick(lk, 'ret_days', 40)::INTEGER END AS return_date
            FROM final_lines WHERE status = 'completed' AND rnd(lk, 'return') < 0.02
        )
        SELECT 'RT' || printf('%08d', row_number() OVER (ORDER BY return_date, lk)) AS return_id,
               order_id, line_no, return_date, least(ret_qty, quantity) AS quantity,
               round(net * least(ret_qty, quantity) / quantity, 2)::DECIMAL(18,2) AS amount,
               list_extract({sql_list(reasons)}, 1 + pick(lk, 'ret_reason', {len(reasons)})) AS reason
        FROM r WHERE return_date <= DATE '{as_of}'
        ORDER BY return_id
    """,
        run.out_dir / "returns" / "returns.csv",
    )
    run.progress(f"returns: {n:,}")
    return n


def write_payments(run: Run) -> int:
    """回款: most orders paid in 1-4 instalments 15-120 days after ordering; ~6% never paid."""
    as_of = run.as_of
    path = run.out_dir / "payments" / "payments.parquet"
    row = run.con.execute(f"""
        COPY (
            WITH o AS (
                SELECT order_id, any_value(oidx) AS oidx, any_value(order_date) AS order_date,
                       any_value(customer_id) AS customer_id,
                       sum(quantity * unit_price - discount_amount) AS total
                FROM final_lines WHERE status = 'completed' GROUP BY order_id
            ), k AS (
                SELECT *, CASE WHEN rnd(oidx, 'n_pay') < 0.55 THEN 1 WHEN rnd(oidx, 'n_pay') < 0.8 THEN 2
                               WHEN rnd(oidx, 'n_pay') < 0.92 THEN 3 ELSE 4 END AS n_pay
                FROM o WHERE rnd(oidx, 'unpaid') >= 0.06
            ), i AS (
                SELECT *, unnest(range(1, n_pay + 1)) AS j FROM k
            ), w AS (
                SELECT *, 0.5 + rnd(oidx * 4 + j, 'pay_w') AS w,
                       order_date + 15 + floor((j - 1 + rnd(oidx * 4 + j, 'pay_day')) / n_pay * 105)::INTEGER
                           AS payment_date
                FROM i
            ), a AS (
                -- instalments share the total by weight; the last takes the rounding remainder
                SELECT *, CASE WHEN j < n_pay THEN round(total * w / sum(w) OVER (PARTITION BY oidx), 2)
                               END AS part
                FROM w
            ), p AS (
                SELECT *, coalesce(part, total - coalesce(sum(part) OVER (PARTITION BY oidx), 0)) AS amount
                FROM a
            )
            SELECT 'PM' || printf('%010d', row_number() OVER (ORDER BY payment_date, oidx, j)) AS payment_id,
                   order_id, customer_id, payment_date, amount::DECIMAL(18,2) AS amount
            FROM p WHERE payment_date <= DATE '{as_of}' AND amount > 0
            ORDER BY payment_id
        ) TO {path_sql(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
    """).fetchall()
    n = int(row[0][0])
    run.progress(f"payments: {n:,}")
    return n


def write_credit_splits(run: Run) -> int:
    """~2% of orders shared with a same-region colleague (two revenue rows); ~0.3% get a 20% overlay row on top of
    the seller's 100% revenue row (split_type, issue 18)."""
    n = copy_csv(
        run,
        """
        WITH s AS (
            SELECT h.oidx, h.order_id, h.d, h.rep_id, r.region,
                   CASE WHEN rnd(h.oidx, 'split') < 0.02 THEN 'split' ELSE 'overlay' END AS kind,
                   rnd(h.oidx, 'split_rep') AS u
            FROM order_hdr h JOIN sellers r USING (rep_id)
            WHERE rnd(h.oidx, 'split') < 0.023
        ), p AS (
            SELECT s.*, rd.rep_id AS partner FROM s
            ASOF JOIN rep_day rd ON rd.d = s.d AND rd.region = s.region AND s.u >= rd.cum_lo_region
        ), pct AS (
            SELECT *, CASE WHEN kind = 'overlay' THEN 1.0
                           ELSE list_extract([0.5, 0.6, 0.7], 1 + pick(oidx, 'split_pct', 3)) END AS main_pct
            FROM p WHERE partner <> rep_id
        )
        SELECT order_id, rep_id, split_pct::DECIMAL(12,6) AS split_pct, split_type FROM (
            SELECT oidx, 1 AS seq, order_id, rep_id, main_pct AS split_pct, 'revenue' AS split_type FROM pct
            UNION ALL
            SELECT oidx, 2, order_id, partner,
                   CASE WHEN kind = 'overlay' THEN 0.2 ELSE 1 - main_pct END,
                   CASE WHEN kind = 'overlay' THEN 'overlay' ELSE 'revenue' END FROM pct
        ) ORDER BY oidx, seq
    """,
        run.out_dir / "credit_splits" / "credit_splits.csv",
    )
    run.progress(f"credit_splits: {n:,}")
    return n
