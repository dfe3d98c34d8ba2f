"""Rules a single row can break are checked while the row is typed: the row is quarantined with its reason, its file
loads the rest, and rows loaded before a rule existed are moved to audit.rejected_rows on the next ingestion
(ingestion/row_rules.py, docs/data_quality.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from ingestion.audit import ensure_schemas
from ingestion.load import ingest_all
from ingestion.row_rules import ROW_RULES
from ingestion.validation.rules import ERROR, RANGES
from tests.helpers.ingest import NOW, assert_row_accounting, land, q

ORDERS = "order_id,order_date,customer_id,rep_id,product_id,quantity,unit_price\n"


@pytest.fixture
def ingested(tmp_path):
    landing = tmp_path / "landing"
    land(
        landing,
        "orders",
        "红字 and prices.csv",
        ORDERS
        + "A1,2025-03-01,C1,R1,P1,2,10\n"  # row 2: fine
        + "A2,2025-03-01,C1,R1,P1,-2,10\n"  # row 3: a 红字 credit line
        + "A3,2025-03-01,C1,R1,P1,0,(5)\n"  # row 4: zero quantity and an accounting negative price
        + "A4,2025-03-01,C1,R1,P1,1,-0\n"  # row 5: -0 is 0, a free line
        + "A5,2025-03-01,C1,R1,P1,0.5,0\n",  # row 6: half a unit, free
    )
    land(
        landing,
        "credit_splits",
        "splits.csv",
        "order_id,rep_id,split_pct\nA1,R1,50\nA1,R2,0.5\nA1,R3,0\nA1,R4,100%\nA1,R5,-0.2\n",
    )
    land(
        landing,
        "returns",
        "returns.csv",
        "return_id,order_id,return_date,amount\nX1,A1,2025-03-02,-5\nX2,A1,2025-03-02,5\nX3,A1,2025-03-02,0\n",
    )
    con = duckdb.connect()
    ingest_all(con, landing, entities=["orders", "credit_splits", "returns"], now=NOW)
    return con


def test_a_row_breaking_a_row_rule_is_quarantined_with_its_reason(ingested):
    rejected = q(ingested, "SELECT file, row_number, reason FROM audit.rejected_rows ORDER BY file, row_number")
    assert rejected == [
        ("credit_splits/splits.csv", 2, 'split_pct: expected a fraction > 0 and <= 1 (0.5 or 50%), found "50"'),
        ("credit_splits/splits.csv", 4, 'split_pct: expected a fraction > 0 and <= 1 (0.5 or 50%), found "0"'),
        ("credit_splits/splits.csv", 6, 'split_pct: expected a fraction > 0 and <= 1 (0.5 or 50%), found "-0.2"'),
        ("orders/红字 and prices.csv", 3, 'quantity: expected a quantity > 0, found "-2"'),
        (
            "orders/红字 and prices.csv",
            4,
            'quantity: expected a quantity > 0, found "0"; unit_price: expected a price >= 0, found "(5)"',
        ),
        ("returns/returns.csv", 2, 'amount: expected an amount > 0 (money credited back), found "-5"'),
        ("returns/returns.csv", 4, 'amount: expected an amount > 0 (money credited back), found "0"'),
    ]
    assert_row_accounting(ingested)
    # the good rows of the same files load: 100% is a whole share, -0 a price of 0, half a unit a quantity
    assert q(ingested, "SELECT order_id, quantity, unit_price FROM raw.orders ORDER BY 1") == [
        ("A1", Decimal("2"), Decimal("10")),
        ("A4", Decimal("1"), Decimal("0")),
        ("A5", Decimal("0.5"), Decimal("0")),
    ]
    assert q(ingested, "SELECT rep_id, split_pct FROM raw.credit_splits ORDER BY 1") == [
        ("R2", Decimal("0.5")),
        ("R4", Decimal("1")),
    ]


def test_every_row_rule_mirrors_an_error_range_of_the_suites():
    # The suites keep the rule at ERROR (it fails only if ingestion lets a row through, which blocks the run).
    for rule in ROW_RULES:
        ranges = {(column, level) for column, *_, level, _why in RANGES[rule.entity]}
        assert (rule.column, ERROR) in ranges, rule.name
    # and every single-row ERROR range is a row rule
    for entity, ranges in RANGES.items():
        for column, *_, level, _why in ranges:
            if level == ERROR:
                assert any(r.entity == entity and r.column == column for r in ROW_RULES), (entity, column)


def test_rows_loaded_before_a_rule_existed_are_quarantined_on_the_next_ingestion(tmp_path):
    con = duckdb.connect()
    ensure_schemas(con)
    # what an earlier release loaded: a negative quantity accepted, counted as accepted
    con.execute(
        "INSERT INTO raw.orders (order_id, line_no, order_date, customer_id, rep_id, product_id, quantity, unit_price, "
        "_source_file, _source_row, _file_seq, _ingested_at) VALUES "
        "('Z1', 1, '2025-01-01', 'C', 'R', 'P', -3, 5, 'orders/old.csv', 2, 1, now()), "
        "('Z2', 1, '2025-01-01', 'C', 'R', 'P', 1, 5, 'orders/old.csv', 3, 1, now())"
    )
    con.execute(
        "INSERT INTO audit.ingested_files (file_seq, file, entity, sha256, rows_read, rows_accepted, rows_rejected, "
        "status, message, ingested_at) VALUES (1, 'orders/old.csv', 'orders', 'x', 2, 2, 0, 'loaded', NULL, now())"
    )
    (tmp_path / "landing" / "orders").mkdir(parents=True)  # the old file itself is gone from the landing folder
    ingest_all(con, tmp_path / "landing", entities=["orders"], now=NOW)
    assert q(con, "SELECT rows_read, rows_accepted, rows_rejected, rows_held FROM audit.ingested_files") == [
        (2, 1, 1, 0)
    ]
    assert q(con, "SELECT file, row_number, reason FROM audit.rejected_rows") == [
        ("orders/old.csv", 2, 'quantity: expected a quantity > 0, found "-3.0000"')
    ]
    assert q(con, "SELECT order_id FROM raw.orders") == [("Z2",)]
    assert_row_accounting(con)
    # nothing left to move: a second ingestion changes nothing
    before = q(con, "SELECT * FROM audit.ingested_files ORDER BY ALL")
    ingest_all(con, tmp_path / "landing", entities=["orders"], now=NOW + dt.timedelta(days=1))
    assert q(con, "SELECT * FROM audit.ingested_files ORDER BY ALL") == before
