"""Several CSVs typed in one read (batches.Batch, readers.csv_batch_view): the outcome is exactly that of
writing them one at a time, whatever the files hold, and a failure or an interrupted run leaves nothing."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pytest

from ingestion import batches, readers
from ingestion.file_write import LazyReadError
from ingestion.load import ingest_all, ingest_entity
from tests.helpers.hostile_corpus import build_corpus
from tests.helpers.ingest import NOW, ORDERS_HEADER, assert_row_accounting, by_file, land, q, snapshot

CORPUS_ENTITIES = ["orders", "credit_splits", "payments"]


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """How many files each multi-file read took, in order."""
    taken: list[int] = []
    real = readers.csv_batch_view

    def spy(con, lazies, view, index):
        taken.append(len(lazies))
        return real(con, lazies, view, index)

    monkeypatch.setattr(readers, "csv_batch_view", spy)
    return taken


def one_at_a_time(monkeypatch) -> None:
    """Every queued file is written on its own (file_write.write_file), as before batches existed."""

    def refuse(*args, **kwargs):
        raise LazyReadError("batches disabled by the test")

    monkeypatch.setattr(batches, "write_batch", refuse)


def _line(order: str, date: str = "2025-03-05", customer: str = "C1", qty: str = "2") -> str:
    return f"{order},1,{date},{customer},R1,P1,{qty},10.5,CNY,completed"


def _csv(*lines: str, header: str = ORDERS_HEADER, end: str = "\n") -> str:
    return end.join([header, *lines]) + end


def _land_mixed(landing) -> None:
    """Files of four kinds, in this order: three clean ones and one with failing rows and an exact copy (one
    header, one dialect); CRLF line ends; another header; GBK, then a title row above the header (both read
    from temporary UTF-8 copies, the same kind as the first); a quoted cell (another dialect)."""
    land(landing, "orders", "a.csv", _csv(_line("A-1"), _line("A-2"), _line("A-3")))
    land(landing, "orders", "b.csv", _csv(_line("B-1"), _line("B-2")))
    land(landing, "orders", "c.csv", _csv(*(_line(f"C-{k}") for k in range(50))))
    land(
        landing,
        "orders",
        "d.csv",
        _csv(
            _line("D-1"),
            _line("D-2", date="soon"),
            _line("D-3"),
            "",
            _line("D-1"),
            _line("D-4", qty=""),
            "合计,,,,,,,999,,",
        ),
    )
    land(landing, "orders", "e.csv", _csv(_line("E-1"), _line("E-2", date="bad"), end="\r\n"))
    land(landing, "orders", "f.csv", _csv(_line("F-1") + ",n1", _line("F-2") + ",n2", header=ORDERS_HEADER + ",note"))
    land(
        landing,
        "orders",
        "g.csv",
        _csv(
            _line("G-1", customer="北京华联商厦"),
            _line("G-2", customer="上海百货公司"),
            _line("G-3", customer="广州天河城"),
        ),
        encoding="gbk",
    )
    land(landing, "orders", "h.csv", "销售订单明细表\n" + _csv(_line("H-1"), _line("H-2", date="never"), _line("H-3")))
    land(landing, "orders", "i.csv", _csv(_line("I-1", customer='"C,1"'), _line("I-2")))


def _ingest(landing, now=NOW) -> tuple[duckdb.DuckDBPyConnection, dict[str, tuple]]:
    con = duckdb.connect()
    report = ingest_entity(con, "orders", landing, now=now)
    return con, by_file(report)


def test_mixed_files_read_together_give_what_one_at_a_time_gives(tmp_path, monkeypatch, reads):
    landing = tmp_path / "landing"
    _land_mixed(landing)
    together, report = _ingest(landing)
    assert reads == [4, 1, 1, 2, 1]  # a-d; e (CRLF); f (its own header); g, h (temporary copies); i (quotes)
    assert report == {
        "orders/a.csv": ("loaded", 3, 3, 0),
        "orders/b.csv": ("loaded", 2, 2, 0),
        "orders/c.csv": ("loaded", 50, 50, 0),
        "orders/d.csv": ("loaded", 6, 2, 4),
        "orders/e.csv": ("loaded", 2, 1, 1),
        "orders/f.csv": ("loaded", 2, 2, 0),
        "orders/g.csv": ("loaded", 3, 3, 0),
        "orders/h.csv": ("loaded", 3, 2, 1),
        "orders/i.csv": ("loaded", 2, 2, 0),
    }
    # row numbers are the file's own: DuckDB skips d.csv's empty line, h.csv's title row counts
    assert q(together, "SELECT file, row_number, reason FROM audit.rejected_rows ORDER BY file, row_number") == [
        (
            "orders/d.csv",
            3,
            'order_date: expected a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial), found "soon"',
        ),
        ("orders/d.csv", 5, "exact duplicate of row 2"),
        ("orders/d.csv", 6, "quantity: required but blank"),
        ("orders/d.csv", 7, 'totals row ("合计"): not a data row'),
        (
            "orders/e.csv",
            3,
            'order_date: expected a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial), found "bad"',
        ),
        (
            "orders/h.csv",
            4,
            'order_date: expected a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial), found "never"',
        ),
    ]
    assert q(
        together,
        "SELECT order_id, _source_row, customer_id FROM raw.orders WHERE order_id IN "
        "('C-49', 'D-3', 'G-1', 'H-3', 'I-1') ORDER BY 1",
    ) == [("C-49", 51, "C1"), ("D-3", 4, "C1"), ("G-1", 2, "北京华联商厦"), ("H-3", 5, "C1"), ("I-1", 2, "C,1")]
    assert_row_accounting(together)

    one_at_a_time(monkeypatch)
    alone, alone_report = _ingest(landing)
    assert alone_report == report
    assert snapshot(alone) == snapshot(together)


def _two_runs(landing, monkeypatch, *, together: bool) -> tuple[duckdb.DuckDBPyConnection, dict[str, tuple]]:
    """The mixed files, then a second run after: b.csv re-landed changed, a copy of a.csv under a new name,
    a new file and a copy of it landed after it."""
    with monkeypatch.context() as patch:
        if not together:
            one_at_a_time(patch)
        _land_mixed(landing)
        con, _ = _ingest(landing)
        land(landing, "orders", "b.csv", _csv(_line("B-1", qty="5"), _line("B-9")))
        land(landing, "orders", "a copy.csv", _csv(_line("A-1"), _line("A-2"), _line("A-3")))
        land(landing, "orders", "j.csv", _csv(_line("J-1")))
        land(landing, "orders", "j again.csv", _csv(_line("J-1")))
        return con, by_file(ingest_entity(con, "orders", landing, now=NOW + dt.timedelta(days=1)))


def test_a_second_run_replaces_changed_files_and_skips_copies_as_before(tmp_path, monkeypatch, reads):
    together, report = _two_runs(tmp_path / "together", monkeypatch, together=True)
    assert reads[5:] == [2]  # the second run: b.csv and j.csv; "j again.csv" waits for j.csv to be written
    assert {f: report[f] for f in ("orders/b.csv", "orders/a copy.csv", "orders/j.csv", "orders/j again.csv")} == {
        "orders/b.csv": ("loaded", 2, 2, 0),
        "orders/a copy.csv": ("skipped", 0, 0, 0),
        "orders/j.csv": ("loaded", 1, 1, 0),
        "orders/j again.csv": ("skipped", 0, 0, 0),
    }
    assert q(together, "SELECT order_id, quantity FROM raw.orders WHERE order_id LIKE 'B-%' ORDER BY 1") == [
        ("B-1", 5),
        ("B-9", 2),
    ]
    assert_row_accounting(together)
    alone, alone_report = _two_runs(tmp_path / "alone", monkeypatch, together=False)
    assert alone_report == report
    assert snapshot(alone) == snapshot(together)


def test_the_hostile_corpus_gives_the_same_outcome_one_at_a_time(tmp_path, monkeypatch, reads):
    landing = tmp_path / "landing"
    build_corpus(landing)
    together = duckdb.connect()
    ingest_all(together, landing, entities=CORPUS_ENTITIES, now=NOW)
    assert max(reads) >= 2  # files of the corpus were read together
    with monkeypatch.context() as patch:
        one_at_a_time(patch)
        alone = duckdb.connect()
        ingest_all(alone, landing, entities=CORPUS_ENTITIES, now=NOW)
    assert snapshot(alone) == snapshot(together)


def test_a_failed_batch_is_undone_and_its_files_written_one_by_one(tmp_path, monkeypatch, caplog):
    """Numbering the typed rows fails (after the first transaction committed them): they are deleted again,
    and each file is written on its own, with the outcome it would have had anyway."""
    landing = tmp_path / "landing"
    _land_mixed(landing)
    real, failed = batches.number_rows, []

    def fail_once(con, entity, first_rows, inserted):
        if len(first_rows) > 1 and not failed:
            failed.append(sorted(first_rows))
            raise LazyReadError("rowids out of order (simulated)")
        return real(con, entity, first_rows, inserted)

    monkeypatch.setattr(batches, "number_rows", fail_once)
    with caplog.at_level(logging.INFO, logger="ingestion.load"):
        con, report = _ingest(landing)
    assert failed == [[1, 2, 3, 4]]
    assert "writing orders/a.csv, orders/b.csv, orders/c.csv, orders/d.csv one by one" in caplog.text
    assert_row_accounting(con)
    monkeypatch.undo()
    expected, expected_report = _ingest(landing)
    assert report == expected_report
    assert snapshot(con) == snapshot(expected)


def test_rows_of_an_interrupted_run_are_deleted_first(tmp_path, caplog):
    """A process that died between a batch's two transactions left typed, unnumbered rows of files with no
    audit row: the next run deletes them before anything else, and everything else stays as it was."""
    landing = tmp_path / "landing"
    land(landing, "orders", "a.csv", _csv(_line("A-1"), _line("A-2")))
    con, _ = _ingest(landing)
    before = snapshot(con)
    con.execute(
        "INSERT INTO raw.orders SELECT * REPLACE ('orders/z.csv' AS _source_file, 1 AS _source_row, "
        "2 AS _file_seq) FROM raw.orders"
    )
    con.execute(
        "INSERT INTO raw.orders SELECT * REPLACE ('orders/z.csv' AS _source_file, -1 AS _source_row, "
        "3 AS _file_seq) FROM raw.orders WHERE _file_seq = 1"
    )
    with caplog.at_level(logging.WARNING, logger="ingestion.load"):
        report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {"orders/a.csv": ("skipped", 0, 0, 0)}
    assert "orders: deleted 4 rows of an interrupted earlier run" in caplog.text
    assert snapshot(con) == before


def test_batches_keep_to_their_file_limit(tmp_path, monkeypatch, reads):
    landing = tmp_path / "landing"
    for k in range(5):
        land(landing, "orders", f"{k}.csv", _csv(_line(f"O-{k}-1"), _line(f"O-{k}-2")))
    monkeypatch.setattr(batches, "BATCH_MAX_FILES", 2)
    con, report = _ingest(landing)
    assert reads == [2, 2, 1]
    assert [r[1:] for r in report.values()] == [(2, 2, 0)] * 5
    assert q(con, "SELECT file_seq, file FROM audit.ingested_files ORDER BY 1") == [
        (k + 1, f"orders/{k}.csv") for k in range(5)
    ]
    assert q(con, "SELECT DISTINCT _file_seq, _source_file, _source_row FROM raw.orders ORDER BY ALL") == [
        (k + 1, f"orders/{k}.csv", row) for k in range(5) for row in (2, 3)
    ]
