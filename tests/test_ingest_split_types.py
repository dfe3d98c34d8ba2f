"""Issue 18 item 6: credit_splits.split_type at ingestion (Chinese header and labels, blank = revenue, a rep's
revenue and overlay rows on one order both kept)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from ingestion.load import ingest_all

NOW = dt.datetime(2025, 6, 30, 12, 0)


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_split_type_labels_blank_default_and_both_rows_of_one_rep_kept(con, tmp_path):
    folder = tmp_path / "credit_splits"
    folder.mkdir(parents=True)
    (folder / "s.csv").write_text(
        "订单编号,销售员编号,分配比例,分配类型\nSO-1,R1,50%,收入\nSO-1,R2,50%,\nSO-1,R2,20%,叠加\nSO-2,R3,0.1,overlay\n",
        encoding="utf-8",
    )
    report = ingest_all(con, tmp_path, entities=["credit_splits"], now=NOW)["credit_splits"]
    assert (report.rows_accepted, report.rows_rejected) == (4, 0)
    rows = con.execute("SELECT order_id, rep_id, split_pct, split_type FROM raw.credit_splits ORDER BY _source_row")
    assert rows.fetchall() == [
        ("SO-1", "R1", Decimal("0.5"), "revenue"),
        ("SO-1", "R2", Decimal("0.5"), "revenue"),
        ("SO-1", "R2", Decimal("0.2"), "overlay"),
        ("SO-2", "R3", Decimal("0.1"), "overlay"),
    ]


def test_an_unknown_split_type_is_rejected_with_its_row(con, tmp_path):
    folder = tmp_path / "credit_splits"
    folder.mkdir(parents=True)
    (folder / "s.csv").write_text("order_id,rep_id,split_pct,split_type\nSO-1,R1,0.5,bonus\n", encoding="utf-8")
    report = ingest_all(con, tmp_path, entities=["credit_splits"], now=NOW)["credit_splits"]
    assert (report.rows_accepted, report.rows_rejected) == (0, 1)
    [(row, reason)] = con.execute("SELECT row_number, reason FROM audit.rejected_rows").fetchall()
    assert row == 2 and "split_type" in reason
