"""Commissions on the generated company (the shared `company` fixture: every asset, repository config/).

The demo plan file config/commission_plans.yml must exercise every mechanic; the statements must exist
for every rep with a plan, add up to their lines, and export to files that read back to the same totals.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast


@pytest.fixture
def pub(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    yield con
    con.close()


def test_every_rep_with_a_plan_has_statements_for_every_period(company, pub):
    build = duckdb.connect(str(company[0].build_db), read_only=True)
    try:
        assigned = set(
            build.execute(
                """
            select distinct rep_id, plan_id, period_start from intermediate.int_commission_assignment_days
            where period_start <= ?""",
                [company[0].as_of],
            ).fetchall()
        )
    finally:
        build.close()
    statements = set(
        pub.execute("select rep_id, plan_id, period_start from marts.fct_commission_statements").fetchall()
    )
    assert len(assigned) > 100
    assert assigned <= statements
    # reps on a role default: every seller (role rep) has a 2025 field_2025 or rep-specific statement
    sellers = {
        r
        for (r,) in pub.execute(
            "select rep_id from marts.dim_rep where role = 'rep' "
            "and (termination_date is null or termination_date >= '2025-01-01')"
        ).fetchall()
    }
    with_statements = {
        r for (r,) in pub.execute("select distinct rep_id from marts.fct_commission_statements").fetchall()
    }
    assert sellers <= with_statements


def test_statements_sum_exactly_to_their_lines(pub):
    bad = pub.execute("""
        select s.rep_id, s.plan_id, s.period_start
        from marts.fct_commission_statements s
        left join (select rep_id, plan_id, period_start, sum(amount) as total, count(*) as n
                   from marts.fct_commission_lines group by all) l using (rep_id, plan_id, period_start)
        where s.payable <> coalesce(l.total, 0) or s.line_count <> coalesce(l.n, 0)
           or s.payable <> s.tier_commission + s.spif - s.cap_reduction + s.override + s.clawback
                           + s.adjustments + s.restatement + s.draw - s.draw_recovery + s.deal_minimum""").fetchall()
    assert bad == []
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_lines where amount <> round(amount, 2) or explanation is null"
        ).fetchone()[0]
        == 0
    )


def test_demo_plan_exercises_every_mechanic(pub):
    present = dict(pub.execute("select line_type, count(*) from marts.fct_commission_lines group by 1").fetchall())
    for line_type in ("tier", "spif", "cap", "clawback", "override", "adjustment"):
        assert present.get(line_type, 0) > 0, line_type
    # the threshold tier (0% below 50%), a retroactive plan, a collected and a gross-margin measure
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_lines where line_type = 'tier' "
            "and explanation like '%tier 0%–50% at 0%'"
        ).fetchone()[0]
        > 0
    )
    measures = {
        m
        for (m,) in pub.execute(
            "select distinct measure from marts.fct_commission_statements where measure_amount <> 0"
        ).fetchall()
    }
    # issue 18 item 2: the components plan adds new_customers (and units of 新品, zero when its rep sold none)
    assert (
        {"net_sales", "collected", "gross_margin", "new_customers"}
        <= measures
        <= {
            "net_sales",
            "collected",
            "gross_margin",
            "new_customers",
            "units",
        }
    )
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_lines where explanation like '%retroactive%'"
        ).fetchone()[0]
        > 0
    )
    # SPIF on 新品 only
    assert {
        e.split()[1]
        for (e,) in pub.execute(
            "select explanation from marts.fct_commission_lines where line_type = 'spif'"
        ).fetchall()
    } == {"新品"}
    # issue 18: the new mechanics of the demo file. Draws (R0008's recoverable draw, R0010's guaranteed
    # minimum), tiers to date (R0015, R0020's advances), multipliers, per-transaction tiers, deal lines in
    # sequence, overlay credit splits.
    explanations = [e for (e,) in pub.execute("select explanation from marts.fct_commission_lines").fetchall()]
    for fragment in (" to date (2025-", "x (¥120,000.00 / ", "advance 2025-", " priced alone: ", "guaranteed minimum"):
        assert any(fragment in e for e in explanations), fragment
    assert present.get("draw", 0) > 0
    allocations = {
        a for (a,) in pub.execute("select distinct allocation from marts.fct_commission_deal_lines").fetchall()
    }
    assert {"sequence", "transaction"} <= allocations
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_statements where plan_id = 'ae_ytd_2025' "
            "and period_type = 'month' and target_incentive > 0"
        ).fetchone()[0]
        > 0
    )
    # issue 18 items 2, 4, 7: the components plan pays the sum of its four components; per-deal minimums
    components = pub.execute("""select count(distinct component_id), count(distinct parent_plan_id)
        from marts.fct_commission_statements where parent_plan_id = 'hunter_mix_2025'""").fetchone()
    assert components == (4, 1)
    assert present.get("deal_minimum", 0) > 0
    # R0008 changes plan on 2025-05-16. Its field_2025 Q2 2025 target counts the months on the plan (issue 12):
    # April whole (30/30), May 1-15 (15/31), June not at all (0/30), each month's target x its factor, summed and
    # rounded to the cent once.
    [(prorated,)] = pub.execute("""select target_amount from marts.fct_commission_statements
        where rep_id = 'R0008' and plan_id = 'field_2025' and period_start = '2025-04-01'""").fetchall()
    months = pub.execute("""select month_start, month_target_amount, covered_days, days_in_month
        from marts.fct_commission_target_months
        where rep_id = 'R0008' and plan_id = 'field_2025' and period_start = '2025-04-01'
        order by month_start""").fetchall()
    assert [(str(m), covered, days) for m, _, covered, days in months] == [
        ("2025-04-01", 30, 30),
        ("2025-05-01", 15, 31),
        ("2025-06-01", 0, 30),
    ]
    expected = sum(Decimal(target) * covered / days for _, target, covered, days in months)
    assert prorated == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_statements where rep_id = 'R0008' "
            "and plan_id = 'hunter_collected' and period_start = '2025-05-01'"
        ).fetchone()[0]
        == 1
    )
    # open periods are provisional
    assert (
        pub.execute(
            "select count(*) from marts.fct_commission_statements where period_status = 'open' "
            "and statement_status <> 'provisional'"
        ).fetchone()[0]
        == 0
    )


def test_capped_statements_pay_exactly_the_cap(pub):
    rows = pub.execute("""select s.tier_commission + s.spif - s.cap_reduction, p.cap
        from marts.fct_commission_statements s
        join (values ('field_2025', 60000), ('margin_2025', 5000)) p(plan_id, cap) using (plan_id)
        where s.cap_reduction > 0""").fetchall()
    assert rows and all(paid == cap for paid, cap in rows)


def test_exports_of_the_demo_company_read_back(company, pub, tmp_path):
    from salesperf.serving.commission_export import export_commissions

    total = pub.execute(
        "select sum(payable) from marts.fct_commission_statements "
        "where period_start between '2025-01-01' and '2025-03-31'"
    ).fetchone()[0]
    csv_report = export_commissions(company[0].warehouse, tmp_path, "2025-Q1", "csv")
    with open(csv_report.files[0], encoding="utf-8-sig", newline="") as handle:
        summary = list(csv.DictReader(handle))
    assert sum(Decimal(r["payable"]) for r in summary) == total
    assert any("新品" in line for line in csv_report.files[1].read_text(encoding="utf-8-sig").splitlines())
    xlsx_report = export_commissions(company[0].warehouse, tmp_path, "2025-Q1", "xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_report.files[0])["summary"]
    header = [c.value for c in sheet[1]]
    assert abs(sum(r[header.index("payable")].value for r in sheet.iter_rows(min_row=2)) - float(total)) < 0.005
