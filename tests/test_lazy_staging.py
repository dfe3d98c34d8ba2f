"""CSV files typed straight from the file (readers.LazyCsv, file_write.insert_lazily): row numbers, fallbacks."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

import duckdb
import pytest

from ingestion import readers
from ingestion.load import ingest_entity
from tests.helpers.ingest import ORDERS_HEADER, land, q

NOW = dt.datetime(2025, 4, 1, 9, 30)
NO_VIEWS = "SELECT * FROM duckdb_views() WHERE NOT internal AND database_name = 'temp'"
ROWS = 300_000  # > 2 DuckDB row groups (122,880 rows), so that parallel reading and appending reorder batches


def _orders(rows: int, bad: dict[int, str], copies: dict[int, int]) -> str:
    """`rows` order lines, line k (k = 0..) for order SO<k>; `bad`: k -> a bad order_date; `copies`: a later
    position -> the k it repeats exactly. The file's row of line k is k + 2 (the header is row 1)."""
    lines = [ORDERS_HEADER + ",note"]
    note = "n" * 200  # ~80 MB in all: DuckDB reads the file in several buffers, in parallel
    for k in range(rows):
        date = bad.get(k, "2025-03-05")
        lines.append(
            f"SO{k:07d},1,{date},C{k % 97:03d},R{k % 13:02d},P01,{1 + k % 5},{k % 1000}.25,CNY,completed,{note}"
        )
    for position, k in sorted(copies.items()):
        lines.insert(position - 1, lines[k + 1])  # list index = file row - 1
    return "\n".join(lines) + "\n"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 4")  # more threads than this machine's cores: batches finish out of order
    return con


def test_rows_numbered_in_file_order(con, tmp_path):
    landing = tmp_path / "landing"
    land(landing, "orders", "big.csv", _orders(ROWS, bad={}, copies={}))
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert [(f.status, f.rows_read, f.rows_rejected) for f in report.files] == [("loaded", ROWS, 0)]
    # every line sits on the row its order id names: SO<k> on row k + 2
    misplaced = q(con, "SELECT count(*) FROM raw.orders WHERE _source_row <> CAST(order_id[3:] AS BIGINT) + 2")
    assert misplaced == [(0,)]
    assert q(con, "SELECT min(_source_row), max(_source_row), count(DISTINCT _source_row) FROM raw.orders") == [
        (2, ROWS + 1, ROWS)
    ]
    assert not q(con, NO_VIEWS)  # the file's view is gone


def test_failing_rows_and_copies_keep_their_row_numbers(con, tmp_path):
    """A file with failing rows and an exact copy is staged after all (inside the file's transaction, where
    rowids do not count from 0): its rejected rows and its loaded rows still carry the file's row numbers."""
    landing = tmp_path / "landing"
    bad = {7: "soon", 150_000: "2025-02-30", ROWS - 1: "later"}
    copy_row = ROWS + 2  # the last row of the file repeats line 42 (row 44)
    land(landing, "orders", "big.csv", _orders(ROWS, bad=bad, copies={copy_row: 42}))
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert [(f.rows_read, f.rows_accepted, f.rows_rejected) for f in report.files] == [(ROWS + 1, ROWS - 3, 4)]
    rejected = q(con, "SELECT row_number, raw->>'order_id', reason FROM audit.rejected_rows ORDER BY row_number")
    assert [(r[0], r[1]) for r in rejected] == [
        (9, "SO0000007"),
        (150_002, "SO0150000"),
        (ROWS + 1, f"SO{ROWS - 1:07d}"),
        (copy_row, "SO0000042"),
    ]
    assert rejected[0][2].startswith("order_date: expected a date") and rejected[0][2].endswith('found "soon"')
    assert rejected[3][2] == "exact duplicate of row 44"
    misplaced = q(con, "SELECT count(*) FROM raw.orders WHERE _source_row <> CAST(order_id[3:] AS BIGINT) + 2")
    assert misplaced == [(0,)]


def test_parallel_reader_refusal_falls_back_to_a_staging_table(con, tmp_path, caplog):
    """DuckDB's parallel reader refuses a short row once it has met a quoted line break, but only while
    reading (after the view was made): the file is then staged single-threaded and loads as it would have."""
    landing = tmp_path / "landing"
    land(
        landing,
        "orders",
        "notes.csv",
        "\n".join(
            [
                ORDERS_HEADER + ",note",
                'SO-1,1,2025-03-05,C001,R01,P01,2,100.5,CNY,completed,"two\nlines"',
                "SO-2,1,2025-03-05,C001,R01",  # short: padded with NULLs, then rejected for its blank columns
                "SO-3,1,2025-03-06,C002,R02,P01,1,10,CNY,completed,",
            ]
        )
        + "\n",
    )
    with caplog.at_level(logging.INFO, logger="ingestion.load"):
        report = ingest_entity(con, "orders", landing, now=NOW)
    assert any("reading it again through a staging table" in r.getMessage() for r in caplog.records)
    assert [(f.status, f.rows_read, f.rows_accepted, f.rows_rejected) for f in report.files] == [("loaded", 3, 2, 1)]
    assert q(con, "SELECT order_id, _source_row FROM raw.orders ORDER BY 2") == [("SO-1", 2), ("SO-3", 4)]
    assert q(con, "SELECT row_number FROM audit.rejected_rows") == [(3,)]


def test_temporary_copies_are_deleted(con, tmp_path, monkeypatch):
    """A GBK file with a title row is read from a transcoded, cut copy; the copy outlives staging (the view
    reads it) and is deleted once the file is ingested, whether it loaded or was rejected."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    landing = tmp_path / "landing"
    body = "销售订单明细表\n" + ORDERS_HEADER + "\nSO-1,1,2025-03-05,C001,R01,P01,2,100.5,CNY,已完成\n"
    land(landing, "orders", "gbk.csv", body, encoding="gbk")
    land(landing, "orders", "gbk_missing.csv", "销售订单明细表\norder_id,备注\nSO-9,无\n", encoding="gbk")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert [(f.file, f.status, f.rows_accepted, f.rows_rejected) for f in report.files] == [
        ("orders/gbk.csv", "loaded", 1, 0),
        ("orders/gbk_missing.csv", "rejected_file", 0, 1),
    ]
    assert q(con, "SELECT status FROM raw.orders") == [("completed",)]
    assert list(scratch.iterdir()) == []


def test_stage_file_lazily(tmp_path):
    """stage_file(lazy=True) makes a view, not a table; materialise stages it with the same row numbers."""
    con = duckdb.connect()
    path = tmp_path / "x.csv"
    path.write_text("report\n\na,b\n1,2\n3,4\n")
    staged = readers.stage_file(con, path, "t", lazy=True)
    assert staged == ["a", "b"] and staged.lazy is not None and staged.lazy.first_row == 4
    assert not q(con, "SELECT * FROM duckdb_tables() WHERE table_name = 't'")
    assert q(con, f"SELECT * FROM temp.{readers.view_name('t')}") == [("1", "2"), ("3", "4")]
    con.execute("BEGIN")  # as in the loader: rowids of a table made in a transaction do not start at 0
    readers.materialise(con, staged, "t")
    con.execute("COMMIT")
    assert staged.lazy is None
    assert q(con, "SELECT a, _row FROM temp.t ORDER BY _row") == [("1", 4), ("3", 5)]
    assert not q(con, NO_VIEWS)
    assert list(tmp_path.iterdir()) == [path]


def test_a_quoted_cell_after_the_sniffers_sample_is_read_with_quoting(con, tmp_path):
    """DuckDB's sniffer decides quoting from its first 20,480 lines: a file that first quotes a cell later
    (a customer id holding a comma) failed as a whole. It is read again with double-quoted cells: every row
    loads, the quoted cell whole, and the audit says how the file was read."""
    landing = tmp_path / "landing"
    lines = [ORDERS_HEADER] + [f"SO{k:06d},1,2025-03-05,C001,R01,P01,2,10.5,CNY,completed" for k in range(25_000)]
    lines.insert(24_000, 'SO-Q,1,2025-03-05,"C,9",R01,P01,2,10.5,CNY,completed')  # row 24,001
    land(landing, "orders", "late quotes.csv", "\n".join(lines) + "\n")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert [(f.status, f.rows_read, f.rows_accepted) for f in report.files] == [("loaded", 25_001, 25_001)]
    assert "read with double-quoted cells" in report.files[0].message
    assert q(con, "SELECT customer_id, _source_row FROM raw.orders WHERE order_id = 'SO-Q'") == [("C,9", 24_001)]
    assert q(
        con,
        "SELECT count(*) FROM raw.orders WHERE _source_row <> CAST(order_id[3:] AS BIGINT) + 2 "
        "AND order_id <> 'SO-Q' AND _source_row < 24_001",
    ) == [(0,)]
    staged = readers.stage_file(con, landing / "orders" / "late quotes.csv", "t")  # the table path too
    assert "read with double-quoted cells" in staged.notes
    assert q(con, "SELECT customer_id FROM temp.t WHERE _row = 24_001") == [("C,9",)]


def test_a_ragged_row_still_fails_the_file_with_duckdbs_own_reason(con, tmp_path):
    """Reading with quotes is a retry for sniffed-unquoted files only: a row with a cell too many fails as
    before, with DuckDB's reason for the first attempt."""
    landing = tmp_path / "landing"
    lines = [ORDERS_HEADER] + [f"SO{k:06d},1,2025-03-05,C001,R01,P01,2,10.5,CNY,completed" for k in range(25_000)]
    lines.insert(24_000, "SO-X,1,2025-03-05,C001,R01,P01,2,10.5,CNY,completed,extra")
    land(landing, "orders", "ragged.csv", "\n".join(lines) + "\n")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert [(f.status, f.rows_read) for f in report.files] == [("rejected_file", 0)]
    assert report.files[0].message.startswith("ragged.csv could not be loaded: ")
    assert "Expected Number of Columns" in report.files[0].message or "CSV Error" in report.files[0].message
