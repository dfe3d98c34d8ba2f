"""Issue 12 item 3 on data nobody here wrote: the AdventureWorksDW sample, as delivered and with real order lines
turned bad, through ingestion (row rules), the expectation suites and the data-quality assessment.

- As delivered, the sample has nothing to quarantine, hold or block.
- A few real lines with a negated OrderQuantity (a 红字 credit line) are quarantined with their file and row, a few
  with an EmployeeKey that is no sales person are held; 7 of 60,855 lines is far below the 1 % money-rule share,
  so nothing blocks.
- Every 50th line negated (1,217 lines, 2.0 %) is systemic: the run blocks, naming the rule, the count and one
  example row with its file and row.
The lines are chosen by their position in FactResellerSales.parquet, so the expected rows are known without
reading the pipeline's output: data row n is row n + 1 (the header is row 1, as everywhere in audit).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion import quality
from ingestion.load import ingest_all
from ingestion.profiles import load_profiles
from ingestion.validation import validate_all
from tests.test_adventureworks import AS_OF, CONFIG_DIR, DATASET, LAYOUT

pytestmark = pytest.mark.slow  # ingests the 60,855 order lines of the sample three times (~10 s each)

ORDERS = "FactResellerSales.parquet"
LINES = 60855
UNKNOWN_REP = 99999  # no DimEmployee row has this EmployeeKey


def _ingest(work: Path, negate_every: int | None = None, unknown_rep_every: int | None = None) -> quality.Assessment:
    """The sample landed as its profiles expect, order line n (1-based) negated when n % negate_every == 7 and
    given an unknown rep when n % unknown_rep_every == 11; then ingestion, the suites and the assessment."""
    landing = work / "landing"
    for folder, files in LAYOUT.items():
        (landing / folder).mkdir(parents=True)
        for name in files:
            if name != ORDERS:
                shutil.copyfile(DATASET / name, landing / folder / name)
    negate = f"n % {negate_every} = 7" if negate_every else "false"
    unknown = f"n % {unknown_rep_every} = 11" if unknown_rep_every else "false"
    source = str(DATASET / ORDERS).replace("'", "''")
    duckdb.sql(f"""
        COPY (
            SELECT * EXCLUDE (n) REPLACE (
                CASE WHEN {negate} THEN -OrderQuantity ELSE OrderQuantity END AS OrderQuantity,
                CASE WHEN {unknown} THEN {UNKNOWN_REP} ELSE EmployeeKey END AS EmployeeKey)
            FROM (SELECT *, row_number() OVER () AS n FROM read_parquet('{source}'))
            ORDER BY n
        ) TO '{str(landing / "orders" / ORDERS).replace("'", "''")}' (FORMAT parquet)""")
    con = duckdb.connect(str(work / "build.duckdb"))
    try:
        reports = ingest_all(con, landing, profiles=load_profiles(CONFIG_DIR), now=dt.datetime(2014, 1, 1))
        orders = next(f for f in reports["orders"].files if f.file == f"orders/{ORDERS}")
        assert orders.rows_read == LINES
        assert orders.rows_read == orders.rows_accepted + orders.rows_rejected
        validate_all(con, as_of=dt.date.fromisoformat(AS_OF))
        return quality.assess(con)
    finally:
        con.close()


def _by_rule(assessment: quality.Assessment) -> dict[tuple[str, str], tuple[str, int | None, str]]:
    return {(f.entity, f.rule): (f.severity, f.rows, f.where()) for f in assessment.findings}


def test_the_sample_as_delivered_has_nothing_to_quarantine_hold_or_block(tmp_path):
    assessment = _ingest(tmp_path)
    assert [f for f in assessment.findings if f.severity in (quality.QUARANTINE, quality.HOLD, quality.BLOCK)] == []
    assert assessment.current_rows["orders"] == LINES


def test_a_few_bad_real_lines_are_quarantined_or_held_and_nothing_blocks(tmp_path):
    # negated: lines 7, 20007, 40007, 60007 (4 lines); unknown rep: lines 11, 30011, 60011 (3 lines)
    assessment = _ingest(tmp_path, negate_every=20000, unknown_rep_every=30000)
    found = _by_rule(assessment)
    assert found[("orders", "quantity_positive")][:2] == (quality.QUARANTINE, 4)
    assert found[("orders", "quantity_positive")][2].startswith(f"orders/{ORDERS} row 8: quantity: expected a quantity")
    severity, rows, where = found[("orders", "rep_id_in_reps")]
    assert (severity, rows) == (quality.HOLD, 3)
    assert where.startswith(f"orders/{ORDERS} row 12: ") and f"rep_id {UNKNOWN_REP}" in where
    assert assessment.blocking == []  # 7 of 60,855 lines: 0.01 %, a hundred times below the 1 % threshold
    con = duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True)
    try:
        rejected = con.execute(
            "SELECT row_number, reason FROM audit.rejected_rows WHERE file = ? ORDER BY row_number",
            [f"orders/{ORDERS}"],
        ).fetchall()
    finally:
        con.close()
    assert [r[0] for r in rejected] == [8, 20008, 40008, 60008]
    assert all(r[1].startswith('quantity: expected a quantity > 0, found "-') for r in rejected)


def test_every_fiftieth_real_line_negated_blocks_with_rule_count_and_example(tmp_path):
    # negated: lines 7, 57, ..., 60807: (60807 - 7) / 50 + 1 = 1,217 lines; plus 3 held = 1,220 of 60,855 = 2.0 %
    assessment = _ingest(tmp_path, negate_every=50, unknown_rep_every=30000)
    [block] = assessment.blocking
    assert (block.entity, block.rule, block.rows) == ("orders", "money_rule_share", 1220)
    message = assessment.block_message()
    assert "orders: 1,220 of 60,855 current rows (2.0%) fail a money rule (1,217 quarantined, 3 held" in message
    assert f'e.g. orders/{ORDERS} row 8: quantity: expected a quantity > 0, found "-' in message
