"""Close, restate, export and simulate on the hand-written company of tests/helpers/commission_company.py.

The story: build -> simulate an alternative plan -> close 2025-Q1 -> export -> a late order for Q1 arrives
(restatement) -> a new return (never raises commission). Each step that changes the warehouse works on its own
copy of the state before it (`closed`, `_copy`), so no test depends on another having run, or on their order.
Amounts are worked out by hand in the comments (see tests/test_commissions_engine.py for the base case).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from salesperf.settings import Settings
from tests.helpers.commission_company import AS_OF, COMMISSION_SELECTION, PLANS_YML, run_dbt
from tests.helpers.company import fingerprint
from tests.helpers.raw import RawWriter

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

D = Decimal

ALTERNATIVE_PLANS = (
    PLANS_YML.replace("rate: 0.03}", "rate: 0.02}")
    .replace("{from: 1.0, rate: 0.05}", "{from: 1.0, rate: 0.04}")
    .replace("    cap: 5000\n", "")
)


def _payable_by_rep(db: Path) -> dict[str, Decimal]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(
            con.execute(
                "select rep_id, sum(amount) from intermediate.int_commission_lines_computed group by 1"
            ).fetchall()
        )
    finally:
        con.close()


def _query(path: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _fingerprint(db: Path) -> dict:
    return fingerprint(db, ("config", "marts", "ledger", "intermediate"))


class Story:
    def __init__(self, root: Path):
        self.root = root
        self.settings = Settings(
            landing_dir=root / "landing",
            config_dir=root / "config",
            warehouse=root / "warehouse" / "salesperf.duckdb",
            dagster_home=root / "dh",
            as_of=dt.date.fromisoformat(AS_OF),
        )
        self.db = self.settings.build_db
        self.file_seq = 100

    def rebuild(self) -> None:
        from salesperf.serving.publish import publish

        run_dbt(self.db, self.root, select=COMMISSION_SELECTION)
        publish(self.db, self.settings.warehouse, as_of=self.settings.as_of)

    def land(self, entity: str, name: str, rows: list[dict]) -> None:
        con = duckdb.connect(str(self.db))
        try:
            writer = RawWriter(con)
            writer.file_seq = self.file_seq
            writer.file(entity, name, rows)
            self.file_seq = writer.file_seq
        finally:
            con.close()


def _copy(story: Story, root: Path) -> Story:
    """A copy of the story's whole folder (build database, published file, config) to change on its own."""
    shutil.copytree(story.root, root, dirs_exist_ok=True)
    copy = Story(root)
    copy.file_seq = story.file_seq
    return copy


@pytest.fixture(scope="module")
def story(tmp_path_factory, commission_company) -> Story:
    """The commission company as built for the session (conftest.py), published; nothing closed yet."""
    from salesperf.serving.publish import publish

    root = tmp_path_factory.mktemp("commissions_ops")
    s = Story(root)
    s.settings.config_dir.mkdir()
    (s.settings.config_dir / "commission_plans.yml").write_text(PLANS_YML, encoding="utf-8")
    s.db.parent.mkdir(parents=True)
    shutil.copyfile(commission_company["db"], s.db)
    publish(s.db, s.settings.warehouse, as_of=s.settings.as_of)
    return s


@pytest.fixture(scope="module")
def closed(story, tmp_path_factory):
    """A copy of the story with 2025-Q1 closed: (story, the close report)."""
    from salesperf.cli.commissions import close_period

    s = _copy(story, tmp_path_factory.mktemp("commissions_closed"))
    return s, close_period(s.settings, "2025-Q1")


def test_1_simulate_reports_side_by_side_and_changes_nothing(story, tmp_path):
    from salesperf.cli.commissions import simulate

    alternative = tmp_path / "OTHER.yml"
    alternative.write_text(ALTERNATIVE_PLANS, encoding="utf-8")
    before = _fingerprint(story.db)
    report = simulate(story.settings, alternative)
    assert _fingerprint(story.db) == before  # the real build database is untouched
    by_rep = {r.rep_id: r for r in report.reps}
    current = _payable_by_rep(story.db)
    assert {rep: r.current for rep, r in by_rep.items()} == {rep: current.get(rep, D(0)) for rep in by_rep}
    # A under 2% / 4%: 50,000 x 2% + 5,000 x 4% = 1,200 + SPIF 500 + adjustment 300 = 2,000 in Q1;
    # the O3 clawback: (1,200 x 10,000 / 105,000 + 500) x 2,000 / 10,000 = 122.857 -> -122.86. Total 1,877.14
    # (current plan: 2,550 - 133.33 = 2,416.67).
    assert (by_rep["A"].current, by_rep["A"].simulated) == (D("2416.67"), D("1877.14"))
    # B without the cap: 22,500 x 2% + 114,000 x 4% = 450 + 4,560 = 5,010; clawback of O5:
    # 5,010 x 150,000 / 159,000 x 15,000 / 150,000 = 472.64 -> 4,537.36 (current: 5,000 - 471.70 = 4,528.30).
    assert (by_rep["B"].current, by_rep["B"].simulated) == (D("4528.30"), D("4537.36"))
    assert "A" in [r.rep_id for r in report.paid_less] and "B" not in [r.rep_id for r in report.paid_less]
    assert report.total_current == sum(current.values())
    assert report.distribution("simulated")["reps"] == len(report.reps)


def test_2_close_period_freezes_statements(closed):
    from salesperf.cli.commissions import close_period

    story, report = closed
    # quarterly Q1 statements of A, B, C, G, H, M plus C's monthly m_retro statements of Feb and March
    assert report.statements == 8
    statuses = _query(
        story.settings.warehouse,
        """
        select statement_status, count(*) from marts.fct_commission_statements
        where period_start between '2025-01-01' and '2025-03-31' group by 1""",
    )
    assert statuses == [("final", 8)]
    assert _query(
        story.settings.warehouse,
        "select count(*) from marts.fct_commission_statements "
        "where period_start >= '2025-04-01' and statement_status = 'final'",
    ) == [(0,)]
    with pytest.raises(ValueError, match="already closed"):
        close_period(story.settings, "2025-Q1")
    with pytest.raises(ValueError, match="has not ended"):
        close_period(story.settings, "2025-Q3")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_3_exports_reread_and_reconcile(closed, fmt, tmp_path):
    from salesperf.serving.commission_export import export_commissions

    story, _ = closed
    report = export_commissions(story.settings.warehouse, tmp_path, "2025-Q1", fmt)
    statements_total = _query(
        story.settings.warehouse,
        "select sum(payable) from marts.fct_commission_statements "
        "where period_start between '2025-01-01' and '2025-03-31'",
    )[0][0]
    assert report.payable == statements_total
    if fmt == "csv":
        summary_path, lines_path = report.files
        assert summary_path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
        with open(summary_path, encoding="utf-8-sig", newline="") as handle:
            summary = list(csv.DictReader(handle))
        with open(lines_path, encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.DictReader(handle))
        names = {row["rep_id"]: row["rep_name"] for row in summary}
        assert names["H"].startswith("'=")  # formula neutralised
        assert names["A"] == "Rep A"
        payable = sum(D(row["payable"]) for row in summary)
        assert payable == statements_total == sum(D(row["amount"]) for row in lines)
        assert all(len(row["payable"].split(".")[1]) == 2 for row in summary)  # cents, always two decimals
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        [path] = report.files
        workbook = load_workbook(path)
        assert workbook.sheetnames == ["summary", "lines"]
        header = [c.value for c in workbook["summary"][1]]
        rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in workbook["summary"].iter_rows(min_row=2)]
        assert {r["rep_id"]: r["rep_name"] for r in rows}["H"].startswith("'=")
        assert D(str(round(sum(r["payable"] for r in rows), 2))) == statements_total
        lines_header = [c.value for c in workbook["lines"][1]]
        amounts = [r[lines_header.index("amount")].value for r in workbook["lines"].iter_rows(min_row=2)]
        assert D(str(round(sum(amounts), 2))) == statements_total
    else:
        summary_path, lines_path = report.files
        con = duckdb.connect()
        assert con.execute(f"select sum(payable) from '{summary_path}'").fetchone()[0] == statements_total
        assert con.execute(f"select sum(amount) from '{lines_path}'").fetchone()[0] == statements_total


def test_4_late_order_is_restated_not_changed(closed, tmp_path):
    story = _copy(closed[0], tmp_path / "story")
    # A late Q1 order of A arrives after the close: O11 2025-03-28 20,000. Recomputed Q1 for A: measure
    # 125,000 -> 1,500 + 25,000 x 5% = 1,250 -> tier 2,750 + SPIF 500 + adjustment 300 = 3,550 vs 2,550 paid:
    # +1,000. M's override on A's Q1 grows by 1% x 20,000 = +200.
    story.land(
        "orders",
        "orders/late.csv",
        [
            dict(
                order_id="O11",
                line_no=1,
                order_date="2025-03-28",
                customer_id="K1",
                rep_id="A",
                product_id="HW",
                quantity=1,
                unit_price=20000,
                discount_amount=0,
                status="completed",
            )
        ],
    )
    story.rebuild()
    wh = story.settings.warehouse
    a_q1 = _query(
        wh,
        "select payable, statement_status, measure_amount from marts.fct_commission_statements "
        "where rep_id = 'A' and plan_id = 'q_marginal' and period_start = '2025-01-01'",
    )
    assert a_q1 == [(D("2550.00"), "final", D("105000.00"))]  # the closed statement did not move
    restated = {
        r[0]: r[1:]
        for r in _query(
            wh,
            """
        select rep_id, before_payable, after_payable, open_difference, restated_in_period_start, changed_source_rows
        from marts.fct_commission_restatements where open_difference <> 0""",
        )
    }
    assert set(restated) == {"A", "M"}
    assert restated["A"][:4] == (D("2550.00"), D("3550.00"), D("1000.00"), dt.date(2025, 7, 1))
    assert "O11/1: absent -> 20000.00 (orders/late.csv row 2)" in restated["A"][4]
    assert restated["M"][2] == D("200.00")
    # booked as a restatement line in the open Q3 statement, which sums to its lines
    a_q3 = _query(
        wh,
        "select restatement, payable from marts.fct_commission_statements "
        "where rep_id = 'A' and period_start = '2025-07-01'",
    )
    assert a_q3 == [(D("1000.00"), D("1000.00"))]
    [(explanation,)] = _query(
        wh, "select explanation from marts.fct_commission_lines where rep_id = 'A' and line_type = 'restatement'"
    )
    assert "restatement of closed 2025-Q1" in explanation


def test_5_a_return_never_increases_commission(closed, tmp_path):
    story = _copy(closed[0], tmp_path / "story")
    before = _payable_by_rep(story.db)
    # C returns 6,000 of O6 (Q1, q_marginal) on 2025-03-31, inside the order's quarter: C's Q1 measure drops
    # to 24,000 (80% of the 30,000 target): 9,000 x 3% = 270 instead of 450; M's override drops 1% x 6,000.
    story.land(
        "returns",
        "returns/late.csv",
        [dict(return_id="RT6", order_id="O6", line_no=1, return_date="2025-03-31", amount=6000)],
    )
    story.rebuild()
    after = _payable_by_rep(story.db)
    assert all(after.get(rep, D(0)) <= amount for rep, amount in before.items())
    assert before["C"] - after["C"] == D("180.00") and before["M"] - after["M"] == D("60.00")


def test_6_cli_export_and_one_sentence_errors(closed, monkeypatch, tmp_path, capsys):
    from salesperf.cli.main import main

    story, _ = closed
    monkeypatch.setenv("SALESPERF_WAREHOUSE", str(story.settings.warehouse))
    monkeypatch.setenv("SALESPERF_AS_OF", AS_OF)
    assert main(["export", "commissions", "--period", "2025-Q1", "--format", "csv", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "commissions_2025-Q1_summary.csv").exists()
    assert main(["close-period", "2025-Q7"]) == 1
    assert "is not a period label" in capsys.readouterr().err


def test_7_dagster_asset_writes_every_closed_period(closed, tmp_path):
    from dagster import materialize

    from orchestration.assets.commissions import commission_exports
    from orchestration.resources import SalesperfSettings

    story = _copy(closed[0], tmp_path / "story")  # the asset writes into the build folder
    result = materialize([commission_exports], resources={"settings": SalesperfSettings.from_settings(story.settings)})
    assert result.success
    folder = story.settings.export_dir / "commissions"
    # Q1 is closed: the quarterly Q1 statements and C's monthly February and March statements
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"commissions_{label}{suffix}"
        for label in ("2025-02", "2025-03", "2025-Q1")
        for suffix in (".xlsx", "_summary.csv", "_lines.csv", "_summary.parquet", "_lines.parquet")
    )
