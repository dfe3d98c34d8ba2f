"""The shipped example examples/erp_workbook: one landed workbook read as orders, returns and reps through one
multi-entity profile (docs/source_profiles.md), checked row by row against the workbook's own sheets."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest_all
from ingestion.profiles import load_profiles
from salesperf.cli import check
from tests.helpers.ingest import NOW, q

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "erp_workbook"
BOOK = "erp/销售台账2025.xlsx"


@pytest.fixture
def ingested(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(EXAMPLE / "landing", landing)
    con = duckdb.connect()
    reports = ingest_all(con, landing, now=NOW, profiles=load_profiles(EXAMPLE / "config"))
    yield con, reports, landing
    con.close()


def test_one_workbook_feeds_three_entities_with_rows_accounted_per_entity(ingested):
    con, reports, _ = ingested
    # one audit row per (file, entity); the cover sheet 说明 is read by none; title rows are not rows
    assert q(
        con,
        "select entity, file, status, rows_read, rows_accepted, rows_rejected from audit.ingested_files "
        "order by entity",
    ) == [
        ("orders", BOOK, "loaded", 7, 7, 0),
        ("reps", BOOK, "loaded", 4, 4, 0),
        ("returns", BOOK, "loaded", 2, 2, 0),
    ]
    assert all(f.file == BOOK for r in reports.values() for f in r.files)
    assert {e for e, r in reports.items() if r.files} == {"orders", "returns", "reps"}
    assert q(con, "select count(*) from audit.rejected_rows") == [(0,)]


def test_orders_take_the_rep_from_the_people_sheet_and_keep_open_statuses(ingested):
    con, _, _ = ingested
    rows = q(
        con,
        "select order_id, line_no, rep_id, status, quantity * unit_price - discount_amount, _source_row "
        "from raw.orders order by order_id, line_no",
    )
    assert rows[:2] == [
        ("XS2025-001", 1, "E01", "completed", 1205, 3),  # 10 x 120.5; header on row 2 (title above), first data row 3
        ("XS2025-001", 2, "E01", "completed", 1900, 4),  # 2 x 980 - 60
    ]
    assert {r[0]: r[3] for r in rows} == {
        "XS2025-001": "completed",
        "XS2025-002": "completed",
        "XS2025-003": "completed",
        "XS2025-004": "pending",  # 待审核
        "XS2025-005": "disputed",  # 有争议
        "XS2025-006": "cancelled",  # 已作废
    }
    assert {r[2] for r in rows} == {"E01", "E02", "E03"}  # 王芳, 李强, 陈静 found in 人员 by name
    assert q(con, "select return_id, order_id, line_no, amount from raw.returns order by 1") == [
        ("TH2025-01", "XS2025-001", 1, 241),
        ("TH2025-02", "XS2025-003", None, 1500),
    ]


def test_reps_without_hire_dates_and_a_blank_region_load_and_check_warns_with_counts(ingested, tmp_path):
    con, _, landing = ingested
    assert q(con, "select rep_id, region, role, hire_date from raw.reps order by 1") == [
        ("E01", "华东", "rep", None),
        ("E02", "华北", "rep", None),
        ("E03", None, "rep", None),
        ("E09", "华东", "manager", None),
    ]
    report = check.inspect_landing(landing, EXAMPLE / "config")
    warns = {(p.file, p.column): p.found for p in report.problems if p.severity == check.WARN}
    assert warns[(BOOK, "region")] == "blank in 1 of 4 rows"
    assert warns[(BOOK, "hire_date")] == "blank in 4 of 4 rows"
    # erp/ is read by the profile: not an "unknown folder"
    assert not [p for p in report.problems if p.file == "erp/"]
    assert report.errors == 0
