"""Corrections through the whole path: landing files -> ingest_entity -> dbt -> marts.fct_sales.

A later extract replaces an earlier row by key (latest updated_at, then latest file); a cancelled status in
a later extract cancels the line from then on, visible in fct_sales with its cancelled_date; an exact
duplicate inside a file is counted once; a renamed copy of an extract changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import duckdb
import pytest

from ingestion.load import ensure_schemas, ingest_all
from tests.helpers.dbt import run_dbt

HEADER = (
    "order_id,line_no,order_date,customer_id,rep_id,product_id,quantity,unit_price,status,cancelled_date,updated_at"
)
FILES = {  # written in this order, one minute apart (the loader's file order)
    "reps/reps.csv": "rep_id,region,hire_date\nR1,East,2024-01-01\n",
    "products/products.csv": "product_id,product_line,unit_cost\nP1,Hardware,1\n",
    "customers/customers.csv": "customer_id,customer_name\nC1,Acme\n",
    "orders/2025-03.csv": HEADER + "\n"
    "K1,1,2025-03-01,C1,R1,P1,1,100,completed,,2025-03-01 09:00\n"  # cancelled by the later extract
    "K2,1,2025-03-02,C1,R1,P1,2,100,completed,,2025-03-02 09:00\n"  # corrected quantity later
    "K3,1,2025-03-03,C1,R1,P1,1,300,completed,,2025-03-10 09:00\n"  # the later extract is older: it stays
    "K4,1,2025-03-04,C1,R1,P1,1,40,completed,,\n"  # exact duplicate below: counted once
    "K4,1,2025-03-04,C1,R1,P1,1,40,completed,,\n",
    "orders/2025-03-corrections.csv": HEADER + "\n"
    "K1,1,2025-03-01,C1,R1,P1,1,100,已取消,2025-03-15,2025-03-15 10:00\n"
    "K2,1,2025-03-02,C1,R1,P1,5,100,completed,,2025-03-16 10:00\n"
    "K3,1,2025-03-03,C1,R1,P1,1,300,cancelled,2025-03-05,2025-03-05 09:00\n",
}


@pytest.fixture(scope="module")
def fct_sales(tmp_path_factory) -> dict[str, tuple]:
    work = tmp_path_factory.mktemp("corrections")
    landing = work / "landing"
    clock = 1_700_000_000
    for rel, text in FILES.items():
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        clock += 60
        os.utime(path, (clock, clock))
    # the same corrections extract landed again under another name: a no-op
    copy = landing / "orders" / "2025-03-corrections (1).csv"
    copy.write_bytes((landing / "orders" / "2025-03-corrections.csv").read_bytes())
    os.utime(copy, (clock + 60, clock + 60))
    db = work / "build.duckdb"
    con = duckdb.connect(str(db))
    ensure_schemas(con)
    reports = ingest_all(
        con, landing, entities=["reps", "products", "customers", "orders"], now=dt.datetime(2025, 4, 1)
    )
    assert [(f.file, f.status) for f in reports["orders"].files][-1] == (
        "orders/2025-03-corrections (1).csv",
        "skipped",
    )
    con.close()
    run_dbt(db, work, "run", as_of="2025-04-01", timeout=300, select_models="+fct_sales")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            r[0]: r[1:]
            for r in con.execute(
                "select order_id, status, cancelled_date, quantity, net_amount, is_creditable, _source_file "
                "from marts.fct_sales order by 1"
            ).fetchall()
        }
    finally:
        con.close()


def test_a_later_cancellation_cancels_the_line(fct_sales):
    status, cancelled_date, _, net, creditable, source = fct_sales["K1"]
    assert (status, cancelled_date, creditable) == ("cancelled", dt.date(2025, 3, 15), False)
    assert net == Decimal("100") and source == "orders/2025-03-corrections.csv"  # visible, credits nothing


def test_a_later_correction_replaces_the_line(fct_sales):
    assert fct_sales["K2"][2:5] == (Decimal("5"), Decimal("500"), True)


def test_latest_updated_at_wins_over_the_later_file(fct_sales):
    status, cancelled_date, *_, source = fct_sales["K3"]
    assert (status, cancelled_date, source) == ("completed", None, "orders/2025-03.csv")


def test_exact_duplicate_counts_once(fct_sales):
    assert set(fct_sales) == {"K1", "K2", "K3", "K4"}
    assert fct_sales["K4"][3] == Decimal("40")
    assert sum(v[3] for v in fct_sales.values() if v[4]) == Decimal("840")  # K2 500 + K3 300 + K4 40
