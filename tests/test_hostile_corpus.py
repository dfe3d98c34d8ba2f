"""Ingesting the hostile corpus (tests/helpers/hostile_corpus.py): exact row accounting on every file, totals rows and
duplicates never counted as sales, reasons that say what was expected and found, idempotent re-runs."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import duckdb
import pytest

from ingestion.load import ingest_all
from tests.helpers.hostile_corpus import INJECTION, Corpus, build_corpus
from tests.helpers.ingest import q, snapshot

NOW = dt.datetime(2025, 4, 1, 9, 30)
ENTITIES = ["orders", "credit_splits", "payments"]
# The shapes a reason's parts take (they are joined with "; ").
REASON_PART = re.compile(
    r'[a-z_]+: (expected .+, found ".*"|expected one of .+, found ".*"|required but blank)'
    r'|totals row \(".+"\): not a data row'
    r'|exact duplicate of row \d+( of sheet ".+")?'
    r"|file rejected: missing required column\(s\) .+; expected columns .+, found .+",
    re.S,
)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, Corpus, str]:
    landing = tmp_path_factory.mktemp("hostile") / "landing"
    corpus = build_corpus(landing)
    con = duckdb.connect()
    ingest_all(con, landing, entities=ENTITIES, now=NOW)
    first = snapshot(con)
    ingest_all(con, landing, entities=ENTITIES, now=NOW + dt.timedelta(days=1))
    return con, corpus, first


def test_the_corpus_is_hostile_enough(ingested):
    _, corpus, _ = ingested
    assert len(corpus.files) >= 25
    assert corpus.totals_rows >= 7 and corpus.duplicate_rows == 2


def test_every_file_reads_exactly_what_the_builder_wrote(ingested):
    con, corpus, _ = ingested
    audit = {
        r[0]: r[1:]
        for r in q(
            con, "SELECT file, entity, status, rows_read, rows_accepted, rows_rejected FROM audit.ingested_files"
        )
    }
    for rel, expect in corpus.files.items():
        if expect.status == "skipped":
            assert rel not in audit, rel
            continue
        assert audit[rel] == (expect.entity, expect.status, expect.read, expect.accepted, expect.rejected), rel
        entity, _, read, accepted, rejected = audit[rel]
        assert read == accepted + rejected, rel
        assert q(con, f"SELECT count(*) FROM raw.{entity} WHERE _source_file = ?", [rel])[0][0] == accepted, rel
        assert q(con, "SELECT count(*) FROM audit.rejected_rows WHERE file = ?", [rel])[0][0] == rejected, rel
    assert set(audit) == {rel for rel, e in corpus.files.items() if e.status != "skipped"}


def test_totals_rows_are_rejected_and_never_sales(ingested):
    con, corpus, _ = ingested
    totals = q(con, "SELECT file, row_number, reason FROM audit.rejected_rows WHERE reason LIKE 'totals row (%'")
    assert len(totals) == corpus.totals_rows
    assert ("orders/01 title and totals.csv", 7, 'totals row ("合计"): not a data row') in totals
    assert ("orders/18 merged.xlsx", 6, 'totals row ("合计"): not a data row') in totals
    labels = ["合计", "总计", "小计", "小 计", "Grand Total:", "Ｔｏｔａｌ", "合计："]
    assert q(con, "SELECT count(*) FROM raw.orders WHERE order_id IN (SELECT unnest(?::VARCHAR[]))", [labels]) == [(0,)]
    assert q(con, "SELECT count(*) FROM raw.payments WHERE payment_id = '合计'") == [(0,)]
    net = q(con, "SELECT sum(quantity * unit_price - coalesce(discount_amount, 0)) FROM raw.orders")[0][0]
    assert Decimal(net) == corpus.orders_net


def test_reasons_name_column_expected_and_found(ingested):
    con, _, _ = ingested
    reasons = [r[0] for r in q(con, "SELECT reason FROM audit.rejected_rows")]
    assert reasons
    for reason in reasons:
        parts = [reason] if reason.startswith("file rejected") else reason.split("; ")
        assert all(REASON_PART.fullmatch(p) for p in parts), reason
    assert q(con, "SELECT row_number, reason FROM audit.rejected_rows WHERE file = 'orders/08 full-width.csv'") == [
        (5, 'unit_price: expected a price >= 0, found "(100.00)"')
    ]
    bad = dict(q(con, "SELECT row_number, reason FROM audit.rejected_rows WHERE file = 'orders/09 bad cells.csv'"))
    assert bad[2].startswith("order_date: expected a date") and bad[2].endswith('found "soon"')
    assert bad[5].split("; ")[0] == 'line_no: expected a whole number, found "1.5"'
    assert "quantity: required but blank" in bad[5] and 'found "abc"' in bad[5]


def test_title_rows_full_width_and_units(ingested):
    con, _, _ = ingested
    rows = q(
        con,
        "SELECT order_id, line_no, order_date, quantity, unit_price, _source_row FROM raw.orders "
        "WHERE _source_file IN ('orders/01 title and totals.csv', 'orders/08 full-width.csv') ORDER BY 1, 2",
    )
    assert rows == [
        ("F1", 1, dt.date(2025, 3, 9), Decimal("2"), Decimal("123.5"), 2),
        ("F2", 1, dt.date(2025, 3, 9), Decimal("1"), Decimal("12000"), 3),
        ("F3", 1, dt.date(2025, 3, 9), Decimal("3"), Decimal("1234"), 4),
        ("T1", 1, dt.date(2025, 3, 1), Decimal("2"), Decimal("100"), 4),  # header on line 3
        ("T1", 2, dt.date(2025, 3, 2), Decimal("1"), Decimal("50.5"), 5),
        ("T2", 1, dt.date(2025, 3, 3), Decimal("3"), Decimal("10"), 6),
    ]
    message = q(con, "SELECT message FROM audit.ingested_files WHERE file = 'orders/01 title and totals.csv'")[0][0]
    assert "header on row 3" in message and "1 totals row" in message
    assert q(con, "SELECT split_pct FROM raw.credit_splits ORDER BY _source_row") == [
        (Decimal("0.5"),),
        (Decimal("0.125"),),
        (Decimal("0.5"),),
        (Decimal("0.25"),),
    ]
    assert q(con, "SELECT payment_id, amount, _source_row FROM raw.payments ORDER BY 1") == [
        ("PM1", Decimal("1000"), 3),
        ("PM2", Decimal("15000"), 4),
    ]


def test_merged_cells_and_sheets(ingested):
    con, _, _ = ingested
    assert q(
        con,
        "SELECT order_id, line_no, customer_id, product_id, _source_row FROM raw.orders "
        "WHERE _source_file = 'orders/18 merged.xlsx' ORDER BY line_no",
    ) == [("XL1", 1, "C009", "P01", 3), ("XL1", 2, "C009", "P02", 4), ("XL1", 3, "C009", "P03", 5)]
    assert q(
        con, "SELECT order_id, _source_row FROM raw.orders WHERE _source_file = 'orders/19 multi sheet.xlsx' ORDER BY 1"
    ) == [("MS1", 2), ("MS2", 3), ("MS3", 10_000_002)]
    assert q(
        con, "SELECT sheet, row_number, reason FROM audit.rejected_rows WHERE file = 'orders/19 multi sheet.xlsx'"
    ) == [
        (
            "二月",
            3,
            'order_date: expected a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial), found "someday"',
        )
    ]
    message = q(con, "SELECT message FROM audit.ingested_files WHERE file = 'orders/19 multi sheet.xlsx'")[0][0]
    assert "sheets read: 一月, 二月" in message
    assert "sheets skipped: 说明 (its columns differ from 一月's), 汇总 (its columns differ from 一月's)" in message


def test_exact_duplicates_are_loaded_once_and_reported(ingested):
    con, _, _ = ingested
    f = "orders/17 duplicates.csv"
    assert q(con, "SELECT row_number, reason FROM audit.rejected_rows WHERE file = ? ORDER BY 1", [f]) == [
        (4, "exact duplicate of row 2"),
        (6, "exact duplicate of row 2"),
    ]
    assert q(con, "SELECT order_id, quantity FROM raw.orders WHERE _source_file = ? ORDER BY _source_row", [f]) == [
        ("X1", Decimal("2")),
        ("X2", Decimal("1")),
        ("X1", Decimal("3")),
    ]
    assert (
        "2 exact duplicate rows rejected"
        in q(con, "SELECT message FROM audit.ingested_files WHERE file = ?", [f])[0][0]
    )


def test_second_ingest_and_renamed_copy_change_nothing(ingested):
    con, corpus, first = ingested
    assert snapshot(con) == first
    assert q(con, "SELECT count(*) FROM audit.ingested_files WHERE file = ?", [corpus.renamed]) == [(0,)]
    assert q(con, "SELECT count(*) FROM raw.orders WHERE _source_file = ?", [corpus.renamed]) == [(0,)]


def test_injection_header_is_harmless(ingested):
    con, corpus, _ = ingested
    assert q(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'orders'") == [(1,)]
    raw = json.loads(q(con, "SELECT raw FROM audit.rejected_rows WHERE file = ?", [corpus.injection])[0][0])
    assert raw[INJECTION] == "boom"


def test_the_totals_pre_test_relies_on_a_required_first_key_column():
    # typed_select_sql runs the full totals test only where the first key column could hold a label; a
    # totals row leaving that column blank must fail anyway, which holds while the column is required.
    from ingestion.entities import ENTITIES as SPECS
    from ingestion.typed_sql import totals_key_columns

    for spec in SPECS.values():
        assert spec.column(totals_key_columns(spec)[0]).required, spec.name
