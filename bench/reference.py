"""The hand-written reference: rep × month attainment from the landing files in one DuckDB script.

No ingestion bookkeeping, no typing of hostile formats, no dbt, no publish: the floor a pipeline is
compared against. It applies the same rules as the marts (latest extract wins per order line, completed
lines only, credit splits, same-period returns, manual rep-month targets), so its answer must equal
marts.fct_attainment at rep × month, and the benchmark checks that it does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

SQL = """
create or replace table ref_orders as
select * from read_csv($orders, union_by_name = true, filename = true);

create or replace table ref_lines as
select * from ref_orders
qualify row_number() over (partition by order_id, line_no order by updated_at desc, filename desc) = 1;

create or replace table ref_splits as select * from read_csv($splits);
create or replace table ref_returns as select * from read_csv($returns);
create or replace table ref_targets as select * from read_csv($targets, union_by_name = true);

create or replace table ref_credit as
with lines as (
    select order_id, line_no, rep_id, date_trunc('month', order_date)::date as month,
           quantity * unit_price - coalesce(discount_amount, 0) as net_amount
    from ref_lines
    where status = 'completed' and order_date <= $as_of
),
returned as (
    select r.order_id, r.line_no, sum(r.amount) as amount
    from ref_returns r join lines l using (order_id, line_no)
    where date_trunc('month', r.return_date) = l.month and r.return_date <= $as_of
    group by all
),
line_actual as (
    select l.*, l.net_amount - coalesce(ret.amount, 0) as actual
    from lines l left join returned ret using (order_id, line_no)
)
select coalesce(s.rep_id, a.rep_id) as rep_id, a.month,
       sum(a.actual * coalesce(s.split_pct, 1)) as actual_amount
from line_actual a left join ref_splits s using (order_id)
group by all;

create or replace table ref_attainment as
select coalesce(c.rep_id, t.key) as rep_id, coalesce(c.month, t.month) as month,
       coalesce(c.actual_amount, 0) as actual_amount, t.target_amount,
       coalesce(c.actual_amount, 0) / nullif(t.target_amount, 0) as attainment_pct
from ref_credit c
full join (
    select key, strptime(period, '%Y-%m')::date as month, sum(target_amount) as target_amount
    from ref_targets where level = 'rep' and length(period) = 7 group by all
) t on t.key = c.rep_id and t.month = c.month;
"""


def reference_attainment(landing: Path, as_of: str, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database)
    params = {
        "orders": sorted(str(p) for p in (landing / "orders").glob("*.csv")),
        "splits": str(landing / "credit_splits" / "credit_splits.csv"),
        "returns": str(landing / "returns" / "returns.csv"),
        "targets": sorted(str(p) for p in (landing / "targets").glob("*.csv")),
        "as_of": as_of,
    }
    for statement in filter(str.strip, SQL.split(";")):
        used = {name: value for name, value in params.items() if f"${name}" in statement}
        con.execute(statement, used)
    return con


if __name__ == "__main__":
    con = reference_attainment(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ":memory:")
    print(con.execute("select count(*), sum(actual_amount) from ref_attainment").fetchone())
