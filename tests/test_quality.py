"""The data-quality assessment (ingestion/quality.py): findings by entity and rule, and blocking only on systemic
failures past the thresholds of pipeline.yml, with a message naming the rule, the count and one example row."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from ingestion import quality
from ingestion.audit import ensure_schemas
from ingestion.validation.results import RESULTS_DDL
from salesperf.config.pipeline import DataQualitySettings

NOW = dt.datetime(2025, 6, 1, 6, 0)


def _rejected(con, entity: str, file: str, reasons: list[str]) -> None:
    con.executemany(
        "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason) VALUES (?, ?, ?, '{}', ?)",
        [[file, entity, row, reason] for row, reason in enumerate(reasons, start=2)],
    )


def _suite(con, entity: str, rule: str, severity: str, current: int, failing: int, sample: list | None = None):
    con.execute(
        "INSERT INTO audit.validation_results VALUES ('r', ?, ?, ?, 'x', '', ?, ?, ?, ?, NULL, ?, '{}')",
        [NOW, entity, rule, severity, failing == 0, current, failing, json.dumps(sample or [])],
    )


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schemas(con)
    con.execute(RESULTS_DDL)
    for entity, rows in {"reps": 50, "orders": 2000, "credit_splits": 100}.items():
        _suite(con, entity, "not_null", "ERROR", rows, 0)
    return con


def _by_rule(assessment: quality.Assessment) -> dict[tuple[str, str], tuple[str, int | None]]:
    return {(f.entity, f.rule): (f.severity, f.rows) for f in assessment.findings}


def test_findings_name_each_rule_with_its_rows_and_an_example(con):
    _rejected(
        con,
        "orders",
        "orders/a.csv",
        [
            'quantity: expected a quantity > 0, found "-2"',
            'quantity: expected a quantity > 0, found "0"; unit_price: expected a price >= 0, found "(5)"',
            'order_date: expected a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial), found "soon"',
            "customer_id: required but blank",
            'totals row ("合计"): not a data row',
            "exact duplicate of row 2",
            'status: expected one of completed, cancelled, found "lost"',
        ],
    )
    _suite(
        con,
        "orders",
        "rep_id_in_reps",
        "ERROR",
        2000,
        3,
        [{"order_id": "O9", "_source_file": "orders/b.csv", "_source_row": 7}],
    )
    _suite(con, "orders", "product_id_in_products", "WARN", 2000, 4)
    found = _by_rule(quality.assess(con))
    assert found == {
        ("orders", "quantity_positive"): ("quarantine", 2),
        ("orders", "unit_price_not_negative"): ("quarantine", 1),
        ("orders", "order_date_unparseable"): ("quarantine", 1),
        ("orders", "customer_id_required"): ("quarantine", 1),
        ("orders", "totals_row"): ("quarantine", 1),
        ("orders", "exact_duplicate"): ("quarantine", 1),
        ("orders", "status_allowed"): ("quarantine", 1),
        ("orders", "rep_id_in_reps"): ("hold", 3),
        ("orders", "product_id_in_products"): ("warn", 4),
    }
    # 2 quarantined on a money column (rows 2 and 3) + 3 held = 5 of 2002: below 1 %, nothing blocks
    assessment = quality.assess(con)
    assert assessment.blocking == []
    held = next(f for f in assessment.findings if f.severity == "hold")
    assert held.where() == "orders/b.csv row 7: order_id O9"


def test_a_bad_row_never_blocks_but_a_systemic_share_does(con):
    # 20 negative quantities + 5 held lines of 2,000 current order lines: 25 / 2,020 = 1.24 % > 1 %, 25 >= 10 rows
    _rejected(con, "orders", "orders/红字.csv", [f'quantity: expected a quantity > 0, found "-{i}"' for i in range(20)])
    _suite(con, "orders", "rep_id_in_reps", "ERROR", 2000, 5)
    assessment = quality.assess(con)
    [block] = assessment.blocking
    assert (block.entity, block.rule, block.rows) == ("orders", "money_rule_share", 25)
    assert block.share == pytest.approx(25 / 2020)
    message = assessment.block_message()
    assert (
        "orders: 25 of 2,020 current rows (1.2%) fail a money rule (20 quarantined, 5 held; threshold 1.0%)" in message
    )
    assert 'e.g. orders/红字.csv row 2: quantity: expected a quantity > 0, found "-0"' in message
    # a higher threshold, or too few rows for a small company, does not block
    assert quality.assess(con, DataQualitySettings(money_rule_max_share=0.02)).blocking == []
    assert quality.assess(con, DataQualitySettings(money_rule_min_rows=26)).blocking == []
    # accepting publishes, and says so
    accepted = quality.assess(con, accept=True)
    assert accepted.blocking == []
    assert _by_rule(accepted)[("orders", "money_rule_share")] == ("accepted", 25)


def test_a_whole_rejected_file_counts_against_its_entity(con):
    _rejected(con, "credit_splits", "credit_splits/s.csv", ["file rejected: missing required column(s) split_pct"] * 12)
    [block] = quality.assess(con).blocking
    assert (block.entity, block.rule, block.rows, block.example_file) == (
        "credit_splits",
        "money_rule_share",
        12,
        "credit_splits/s.csv",
    )


def test_a_required_entity_without_rows_blocks(con):
    con.execute("DELETE FROM audit.validation_results WHERE entity = 'reps'")
    _suite(con, "reps", "not_null", "ERROR", 0, 0)
    con.execute(
        "INSERT INTO audit.ingested_files (file_seq, file, entity, sha256, rows_read, rows_accepted, rows_rejected, "
        "status, message, ingested_at) VALUES (1, 'reps/hr.xlsx', 'reps', 'x', 0, 0, 0, 'rejected_file', "
        "'hr.xlsx: missing required column(s) rep_id', now())"
    )
    [block] = quality.assess(con).blocking
    assert (block.entity, block.rule) == ("reps", "required_entity_empty")
    assert block.where() == (
        "reps/hr.xlsx: latest file, rejected_file, 0 rows read, 0 rejected (hr.xlsx: missing required column(s) rep_id)"
    )
    assert quality.assess(con, DataQualitySettings(required_entities=["orders"])).blocking == []
    with pytest.raises(ValueError, match="unknown entity order"):
        quality.assess(con, DataQualitySettings(required_entities=["order"]))


def test_shrinking_by_more_than_half_since_the_last_published_run_blocks(con):
    first = quality.assess(con)
    quality.store(con, first, run_id="run-1", checked_at=NOW)
    quality.mark_published(con)  # run-1 published with 2,000 order lines
    con.execute("UPDATE audit.validation_results SET element_count = 900 WHERE entity = 'orders'")
    [block] = quality.assess(con).blocking
    assert (block.entity, block.rule, block.rows) == ("orders", "entity_shrank", 1100)
    assert "orders: 900 current rows against 2,000 at the last published run (-55%; threshold -50%)" in block.message
    # a blocked run does not move the baseline: the next run compares with run-1 again
    quality.store(con, quality.assess(con), run_id="run-2", checked_at=NOW)
    assert quality.assess(con).blocking != []
    assert quality.assess(con, DataQualitySettings(max_shrink=1.0)).blocking == []
    con.execute("UPDATE audit.validation_results SET element_count = 1001 WHERE entity = 'orders'")
    assert quality.assess(con).blocking == []


def test_an_error_expectation_failing_on_current_rows_means_ingestion_broke(con):
    _suite(con, "orders", "quantity_range", "ERROR", 2000, 1)
    [block] = quality.assess(con).blocking
    assert (block.rule, block.rows) == ("quantity_range", 1)
    assert "which ingestion enforces" in block.message


def test_findings_are_stored_and_summarised(con):
    _rejected(con, "orders", "orders/a.csv", ['quantity: expected a quantity > 0, found "-2"'])
    assessment = quality.assess(con)
    quality.store(con, assessment, run_id="run-9", checked_at=NOW)
    assert quality.published_summary(con) == (
        "run-9",
        [{"entity": "orders", "rule": "quantity_positive", "severity": "quarantine", "rows": 1}],
    )
    assert con.execute("SELECT example_file, example_row FROM audit.data_quality_findings").fetchall() == [
        ("orders/a.csv", 2)
    ]


def test_an_unchanged_outcome_is_not_written_again(con):
    _rejected(con, "orders", "orders/a.csv", ['quantity: expected a quantity > 0, found "-2"'])
    assert quality.store(con, quality.assess(con), run_id="run-1", checked_at=NOW)
    quality.mark_published(con)
    before = con.execute(
        "SELECT * FROM audit.data_quality_findings UNION ALL BY NAME SELECT * FROM audit.entity_row_counts"
    ).fetchall()
    # a re-run over the same data: nothing written (run-1 stays the run that found it)
    assert not quality.store(con, quality.assess(con), run_id="run-2", checked_at=NOW + dt.timedelta(days=1))
    quality.mark_published(con)
    after = con.execute(
        "SELECT * FROM audit.data_quality_findings UNION ALL BY NAME SELECT * FROM audit.entity_row_counts"
    ).fetchall()
    assert after == before
    _rejected(con, "orders", "orders/b.csv", ["customer_id: required but blank"])
    assert quality.store(con, quality.assess(con), run_id="run-3", checked_at=NOW)
    assert {r[0] for r in con.execute("SELECT run_id FROM audit.data_quality_findings").fetchall()} == {"run-3"}
