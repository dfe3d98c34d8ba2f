"""End to end on a small generated company: Dagster runs every asset twice against tmp_path.

Numbers are checked against an independent computation straight from the landing CSVs (bench.reference,
plain DuckDB read_csv with auto types: none of the ingestion or dbt code), and by hand on chosen rows.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from bench.reference import reference_attainment
from tests.helpers.company import COMPANY_AS_OF as AS_OF
from tests.helpers.company import COMPANY_SCALE as SCALE
from tests.helpers.company import fingerprint as _fingerprint

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

CONTRACT_TABLES = {
    "marts": [
        "dim_rep",
        "dim_customer",
        "dim_product",
        "dim_date",
        "fct_sales",
        "fct_targets",
        "fct_attainment",
        "fct_kpi_scorecard",
    ],
    "audit": ["ingested_files", "rejected_rows"],
}


@pytest.fixture
def pub(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    yield con
    con.close()


def test_published_warehouse_has_every_contract_table_with_comments(pub):
    for schema, tables in CONTRACT_TABLES.items():
        for table in tables:
            rows = pub.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            # The demo's exports are clean, so the quarantine may legitimately be empty.
            assert rows > 0 or table == "rejected_rows", f"{schema}.{table}"
    undocumented = pub.execute("""
        select table_name || '.' || column_name from duckdb_columns()
        where schema_name = 'marts' and (comment is null or comment = '')""").fetchall()
    assert undocumented == []
    assert (
        pub.execute("select count(*) from duckdb_tables() where schema_name = 'marts' and comment is null").fetchone()[
            0
        ]
        == 0
    )


def test_every_file_accounts_for_every_row(pub):
    bad = pub.execute(
        "select file from audit.ingested_files where rows_read <> rows_accepted + rows_rejected"
    ).fetchall()
    assert bad == []
    read, accepted = pub.execute("select sum(rows_read), sum(rows_accepted) from audit.ingested_files").fetchone()
    assert read >= SCALE and accepted == read - pub.execute("select count(*) from audit.rejected_rows").fetchone()[0]


def test_sales_reconcile_with_the_landing_files(company, pub):
    """fct_sales net total = the export's completed lines (latest extract per line) less cancellations."""
    settings = company[0]
    ref = reference_attainment(settings.landing_dir, AS_OF.isoformat())
    expected_net, expected_lines, expected_cancelled = ref.execute(
        """
        select sum(quantity * unit_price - coalesce(discount_amount, 0)) filter (where status = 'completed'),
               count(*), count(*) filter (where status = 'cancelled')
        from ref_lines where order_date <= ?""",
        [AS_OF],
    ).fetchone()
    net, lines, cancelled = pub.execute("""
        select sum(net_amount) filter (where status = 'completed'), count(*),
               count(*) filter (where status = 'cancelled') from marts.fct_sales""").fetchone()
    assert lines == expected_lines
    assert cancelled == expected_cancelled and 0.02 < cancelled / lines < 0.04
    assert abs(Decimal(net) - Decimal(str(expected_net))) < Decimal("0.01")
    # Cancelled lines stay visible in fct_sales but the corrections extract really cancelled some lines.
    assert (
        pub.execute(
            "select count(*) from marts.fct_sales where status = 'cancelled' and _source_file like '%corrections%'"
        ).fetchone()[0]
        > 0
    )


def test_rep_month_attainment_matches_the_independent_reference(company, pub):
    ref = reference_attainment(company[0].landing_dir, AS_OF.isoformat())
    ref_rows = {
        (r, m): (a, t)
        for r, m, a, t in ref.execute(
            "select rep_id, month, actual_amount, target_amount from ref_attainment where month <= ?", [AS_OF]
        ).fetchall()
    }
    ours = {
        (r, m): (a, t)
        for r, m, a, t in pub.execute(
            """
        select key, period_start, actual_amount, target_amount from marts.fct_attainment
        where level = 'rep' and period_type = 'month' and period_start <= ?""",
            [AS_OF],
        ).fetchall()
    }
    assert len(ref_rows) > 1000
    # fct_attainment holds cents (rounded half-up); the reference keeps doubles: at most half a cent apart.
    half_cent = 0.005 + 1e-6
    mismatches = [
        (k, ours.get(k), v)
        for k, v in ref_rows.items()
        if k not in ours
        or abs(float(ours[k][0] or 0) - float(v[0] or 0)) > half_cent
        or (v[1] is None) != (ours[k][1] is None)
        or (v[1] is not None and abs(float(ours[k][1]) - float(v[1])) > half_cent)
    ]
    assert mismatches[:5] == []


def test_attainment_is_actual_over_target_on_a_hand_checked_row(pub):
    # A rep-month of a closed year: its target is the manual target, pct = actual / target, gap = target - actual.
    rep, month, actual, target, pct, gap = pub.execute("""
        select key, period_start, actual_amount, target_amount, attainment_pct, gap_amount
        from marts.fct_attainment where level = 'rep' and period_type = 'month'
          and period_start = date '2024-06-01' and target_amount > 0 order by key limit 1""").fetchone()
    manual = pub.execute(
        """
        select target_amount from marts.fct_targets
        where level = 'rep' and key = ? and period_type = 'month' and period_start = ?""",
        [rep, month],
    ).fetchone()[0]
    assert target == manual
    assert float(pct) == pytest.approx(float(actual) / float(target), rel=1e-9)
    assert float(gap) == pytest.approx(float(target) - float(actual), abs=0.005)


def test_rolled_up_targets_equal_the_sum_of_their_parts(pub):
    # month -> quarter -> year, per rep
    bad_time = pub.execute("""
        with m as (select key, date_trunc('quarter', period_start) as q, sum(target_amount) as s
                   from marts.fct_targets where level = 'rep' and period_type = 'month' group by all)
        select count(*) from m join marts.fct_targets t
          on t.level = 'rep' and t.key = m.key and t.period_type = 'quarter' and t.period_start = m.q
        where abs(t.target_amount - m.s) > 0.005""").fetchone()[0]
    assert bad_time == 0
    # rep -> team -> region -> company, per month
    team_vs_reps = pub.execute("""
        with r as (select d.team, t.period_start, sum(t.target_amount) as s
                   from marts.fct_targets t join marts.dim_rep d on d.rep_id = t.key
                   where t.level = 'rep' and t.period_type = 'month' group by all)
        select count(*), count(*) filter (where abs(t.target_amount - r.s) > 0.005)
        from r join marts.fct_targets t on t.level = 'team' and t.key = r.team
          and t.period_type = 'month' and t.period_start = r.period_start""").fetchone()
    assert team_vs_reps[0] > 0 and team_vs_reps[1] == 0
    company_vs_regions = pub.execute("""
        select count(*), count(*) filter (where abs(c.target_amount - r.s) > 0.005)
        from (select period_type, period_start, sum(target_amount) as s from marts.fct_targets
              where level = 'region' group by all) r
        join marts.fct_targets c on c.level = 'company' and c.period_type = r.period_type
          and c.period_start = r.period_start""").fetchone()
    assert company_vs_regions[0] >= 12 + 4 + 1 and company_vs_regions[1] == 0


def test_as_of_decides_open_and_future_periods(pub):
    statuses = dict(
        pub.execute("""
        select period_type || ':' || strftime(period_start, '%Y-%m'), period_status
        from marts.fct_attainment where level = 'company'""").fetchall()
    )
    assert statuses["month:2025-11"] == "open"
    assert statuses["month:2025-10"] == "closed"
    assert statuses["month:2025-12"] == "future"
    assert statuses["quarter:2025-10"] == "open"
    assert statuses["year:2025-01"] == "open" and statuses["year:2024-01"] == "closed"


def test_dim_date_uses_chinas_official_calendar(pub):
    rows = dict(
        pub.execute("""
        select strftime(date, '%Y-%m-%d'), is_workday from marts.dim_date
        where date in ('2025-01-28', '2025-01-26', '2025-02-08', '2025-10-01', '2025-10-11')""").fetchall()
    )
    # 2025-01-28 春节 eve holiday (a Tuesday); 2025-01-26 and 2025-02-08 are adjusted working Sundays/Saturdays.
    assert rows == {
        "2025-01-28": False,
        "2025-01-26": True,
        "2025-02-08": True,
        "2025-10-01": False,
        "2025-10-11": True,
    }


def test_second_run_changes_nothing(company):
    settings, first_build, first_published = company
    assert _fingerprint(settings.build_db) == first_build
    second_published = _fingerprint(settings.warehouse)
    assert {k: v for k, v in second_published.items() if k != "audit.warehouse_info"} == {
        k: v for k, v in first_published.items() if k != "audit.warehouse_info"
    }
