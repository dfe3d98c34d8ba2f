"""KPI scorecards: the weights rule of scorecard.yml, and a scorecard computed by hand on the small
company of tests/helpers/targets_company.py (September 2025, team E1 = R1, R2, R5 as peers); then every other KPI
(win rate, collection rate, gross margin, new customers, growth) and a manager's scorecard on hand-built
opportunities, payments and order lines."""

from __future__ import annotations

import pytest

from salesperf.config.files import ConfigError, load_config
from salesperf.config.scorecard import Scorecard
from tests.helpers.targets_company import build_company

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

SCORECARD_YML = """\
period_types: [month]
peer_group: team
roles:
  rep:
    kpis:
      - {kpi: sales_attainment, weight: 0.5, method: target, target: 1.0, cap: 1.2}
      - {kpi: visits, weight: 0.3, method: percentile, cap: 1.0}
      - {kpi: customer_satisfaction, weight: 0.2, method: target, target: 4.0, cap: 1.1}
"""
SEPTEMBER = "2025-09-01"
ACTIVITIES = [
    dict(activity_id=f"A1{i}", rep_id="R1", activity_type="visit", activity_date="2025-09-0" + str(i + 1))
    for i in range(3)
] + [
    dict(activity_id="A20", rep_id="R2", activity_type="visit", activity_date="2025-09-05"),
    dict(activity_id="A21", rep_id="R2", activity_type="call", activity_date="2025-09-06"),
    dict(activity_id="A50", rep_id="R5", activity_type="visit", activity_date="2025-08-30"),
]
SURVEYS = [
    dict(survey_id="S1", customer_id="C0", rep_id="R1", survey_date="2025-09-10", score=5),
    dict(survey_id="S2", customer_id="C1", rep_id="R1", survey_date="2025-09-20", score=4),
    dict(survey_id="S3", customer_id="C2", rep_id="R2", survey_date="2025-09-12", score=3),
]


def test_weights_must_sum_to_one(tmp_path):
    path = tmp_path / "scorecard.yml"
    path.write_text(SCORECARD_YML.replace("weight: 0.2", "weight: 0.1"), encoding="utf-8")
    expected = r"^scorecard.yml: roles.rep.kpis: weights must sum to 1, found 0.9 \(line 5\)$"  # kpis: is line 5
    with pytest.raises(ConfigError, match=expected):
        load_config(path, Scorecard)
    path.write_text(SCORECARD_YML.replace("method: target, target: 4.0", "method: target"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"roles.rep.kpis\[2\]: method target needs a target"):
        load_config(path, Scorecard)
    path.write_text(SCORECARD_YML, encoding="utf-8")
    assert load_config(path, Scorecard).roles["rep"].kpis[1].method == "percentile"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    import duckdb

    path = build_company(
        tmp_path_factory.mktemp("scorecard"),
        scorecard_yml=SCORECARD_YML,
        extra_raw={"activities": ACTIVITIES, "surveys": SURVEYS},
        select="+fct_kpi_scorecard +fct_leaderboard",
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _card(db, rep_id):
    rows = db.execute(
        """select kpi, value, score, weight, weighted_score from marts.fct_kpi_scorecard
                         where period_type = 'month' and period_start = ? and rep_id = ?""",
        [SEPTEMBER, rep_id],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _attainment(db, rep_id):
    actual, target = db.execute(
        """select actual_amount, target_amount from marts.fct_attainment
                                   where level = 'rep' and period_type = 'month' and period_start = ? and key = ?""",
        [SEPTEMBER, rep_id],
    ).fetchone()
    return float(actual) / float(target)


def test_scorecard_by_hand(db):
    r1, r2, r5 = _card(db, "R1"), _card(db, "R2"), _card(db, "R5")
    # visits in September: R1 3, R2 1 (the call does not count), R5 0 (its visit is in August);
    # percentile among the team's three reps: 1.0, 0.5, 0.0.
    assert [c["visits"][:2] for c in (r1, r2, r5)] == [(3, 1.0), (1, 0.5), (0, 0.0)]
    # satisfaction: R1 (5 + 4) / 2 = 4.5 -> 4.5 / 4.0 = 1.125, capped at 1.1; R2 3 / 4 = 0.75; R5 no survey.
    assert r1["customer_satisfaction"][:2] == (pytest.approx(4.5), pytest.approx(1.1))
    assert r2["customer_satisfaction"][:2] == (pytest.approx(3.0), pytest.approx(0.75))
    assert r5["customer_satisfaction"][:2] == (None, None)
    for rep, card in (("R1", r1), ("R2", r2), ("R5", r5)):
        pct = _attainment(db, rep)
        value, score, weight, weighted = card["sales_attainment"]
        assert value == pytest.approx(pct) and score == pytest.approx(min(1.2, pct))
        assert weighted == pytest.approx(0.5 * min(1.2, pct)) and weight == 0.5
    assert db.execute("select count(*) from marts.fct_kpi_scorecard where rep_id = 'M1'").fetchone()[0] == 0


def test_leaderboard_totals_and_ranks(db):
    board = {
        r[0]: r[1:]
        for r in db.execute(
            """
        select rep_id, total_score, kpis_scored, rank_in_team, rank_in_region from marts.fct_leaderboard
        where period_type = 'month' and period_start = ?""",
            [SEPTEMBER],
        ).fetchall()
    }
    att = {rep: min(1.2, _attainment(db, rep)) for rep in ("R1", "R2", "R5")}
    expected = {
        "R1": 0.5 * att["R1"] + 0.3 * 1.0 + 0.2 * 1.1,
        "R2": 0.5 * att["R2"] + 0.3 * 0.5 + 0.2 * 0.75,
        "R5": (0.5 * att["R5"] + 0.3 * 0.0) / 0.8,
    }  # no survey: weights re-normalised over 0.8
    for rep, total in expected.items():
        assert board[rep][0] == pytest.approx(total)
    assert board["R5"][1] == 2 and board["R1"][1] == 3
    team_order = sorted(expected, key=lambda r: -expected[r])
    assert [board[r][2] for r in team_order] == [1, 2, 3]
    west = sorted((r for r in board if r in ("R3", "R4", "R6")), key=lambda r: -(board[r][0] or -1))
    assert [board[r][3] for r in west] == list(range(1, len(west) + 1))


# --- The other KPIs, and a manager's scorecard, on hand-built data (September 2025) -----------------------
# Fixture lines in September (the 10th): R1 30,000 on P1 (cost 50 a unit) to C0, R2 20,000 on P2 (cost 10)
# to C1, R5 8,000 on P3 (cost 30) to C2 -- all one unit. Added:
#   X1 2025-09-12 R1 C7 (new) P1 100 x 80   = 8,000, cost 100 x 50 = 5,000
#   X2 2025-09-15 R2 C8 (new) P4 1 x 5,000  = 5,000, P4 has no known cost
#   X3 2025-10-05 R2 C8       P4 1 x 1,000  (October: C8 is not new again)
#   X4 2025-08-20 R5 C9 (new) P2 10 x 100   = 1,000 (August)
#   X5 2025-09-20 R1 C9       P2 10 x 100   = 1,000, cost 100 (C9 was R5's new customer in August)
# September actuals: R1 30,000 + 8,000 + 1,000 = 39,000; R2 20,000 + 5,000 = 25,000; R5 8,000.
FULL_SCORECARD_YML = """\
period_types: [month]
peer_group: team
roles:
  rep:
    kpis:
      - {kpi: sales_growth_yoy, weight: 0.1, method: percentile, cap: 1.0}
      - {kpi: sales_growth_pop, weight: 0.1, method: percentile, cap: 1.0}
      - {kpi: new_customers, weight: 0.2, method: percentile, cap: 1.0}
      - {kpi: win_rate, weight: 0.2, method: target, target: 0.5, cap: 1.5}
      - {kpi: collection_rate, weight: 0.2, method: target, target: 1.0, cap: 1.05}
      - {kpi: gross_margin, weight: 0.2, method: percentile, cap: 1.0}
  manager:
    kpis:
      - {kpi: sales_attainment, weight: 0.4, method: target, target: 1.0, cap: 1.5}
      - {kpi: win_rate, weight: 0.2, method: target, target: 0.5, cap: 1.5}
      - {kpi: collection_rate, weight: 0.2, method: target, target: 1.0, cap: 1.05}
      - {kpi: new_customers, weight: 0.2, method: target, target: 2, cap: 1.5}
"""


def _order(order_id, day, rep, customer, product, quantity, price):
    return dict(
        order_id=order_id,
        line_no=1,
        order_date=day,
        customer_id=customer,
        rep_id=rep,
        product_id=product,
        quantity=quantity,
        unit_price=price,
        discount_amount=0,
        status="completed",
    )


KPI_RAW = {
    "orders": [
        _order("X1", "2025-09-12", "R1", "C7", "P1", 100, 80),
        _order("X2", "2025-09-15", "R2", "C8", "P4", 1, 5000),
        _order("X3", "2025-10-05", "R2", "C8", "P4", 1, 1000),
        _order("X4", "2025-08-20", "R5", "C9", "P2", 10, 100),
        _order("X5", "2025-09-20", "R1", "C9", "P2", 10, 100),
    ],
    "products": [dict(product_id="P4", product_line="Services", unit_cost=None)],
    # C1 gets an owner (a later extract of the same customer replaces the first)
    "customers": [dict(customer_id=c, customer_name=c, created_date="2025-01-01") for c in ("C7", "C8", "C9")]
    + [dict(customer_id="C1", customer_name="Customer 1", owner_rep_id="R2", created_date="2022-01-01")],
    "opportunities": [
        dict(
            opportunity_id="OP1",
            owner_rep_id="R1",
            stage="closed",
            created_date="2025-06-01",
            status="won",
            closed_date="2025-09-05",
        ),
        dict(
            opportunity_id="OP2",
            owner_rep_id="R1",
            stage="closed",
            created_date="2025-06-01",
            status="lost",
            closed_date="2025-09-18",
        ),
        dict(
            opportunity_id="OP3",
            owner_rep_id="R1",
            stage="closed",
            created_date="2025-07-01",
            status="won",
            closed_date="2025-09-30",
        ),
        dict(
            opportunity_id="OP4",
            owner_rep_id="R1",
            stage="closed",
            created_date="2025-07-01",
            status="won",
            closed_date="2025-08-31",
        ),  # August
        dict(opportunity_id="OP5", owner_rep_id="R1", stage="proposal", created_date="2025-08-01", status="open"),
        dict(
            opportunity_id="OP6",
            owner_rep_id="R2",
            stage="closed",
            created_date="2025-05-01",
            status="lost",
            closed_date="2025-09-10",
        ),
        dict(
            opportunity_id="OP7",
            owner_rep_id="M1",
            stage="closed",
            created_date="2025-05-01",
            status="won",
            closed_date="2025-09-09",
        ),
    ],
    "payments": [
        dict(payment_id="PM1", order_id="O202509R1", customer_id="C0", payment_date="2025-09-25", amount=20000),
        dict(payment_id="PM2", order_id="X1", customer_id="C7", payment_date="2025-10-02", amount=8000),  # October
        dict(payment_id="PM3", order_id=None, customer_id="C1", payment_date="2025-09-28", amount=5000),  # owner R2
        dict(payment_id="PM4", order_id="O202508R2", customer_id="C1", payment_date="2025-09-03", amount=15000),
    ],
}


@pytest.fixture(scope="module")
def kpi_db(tmp_path_factory):
    import duckdb

    path = build_company(
        tmp_path_factory.mktemp("scorecard_kpis"),
        scorecard_yml=FULL_SCORECARD_YML,
        extra_raw=KPI_RAW,
        select="+fct_kpi_scorecard",
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _kpis(db, rep_id):
    rows = db.execute(
        """select kpi, value, score, numerator, denominator from marts.fct_kpi_scorecard
                         where period_type = 'month' and period_start = ? and rep_id = ?""",
        [SEPTEMBER, rep_id],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_win_rate_by_hand(kpi_db):
    r1, r2, r5 = _kpis(kpi_db, "R1"), _kpis(kpi_db, "R2"), _kpis(kpi_db, "R5")
    # R1: closed in September OP1 won, OP2 lost, OP3 won (OP4 closed in August, OP5 is open) -> 2 / 3;
    # score 0.667 / 0.5 = 1.333 (cap 1.5). R2: OP6 lost -> 0 / 1 = 0. R5: nothing closed -> no value, no score.
    assert r1["win_rate"] == (pytest.approx(2 / 3), pytest.approx(4 / 3), 2, 3)
    assert r2["win_rate"] == (0.0, 0.0, 0, 1)
    assert r5["win_rate"][:2] == (None, None)


def test_collection_rate_by_hand(kpi_db):
    r1, r2, r5 = _kpis(kpi_db, "R1"), _kpis(kpi_db, "R2"), _kpis(kpi_db, "R5")
    # R1: PM1 20,000 (on R1's order; PM2 is paid in October) / September sales 39,000 = 0.5128.
    assert r1["collection_rate"] == (pytest.approx(20000 / 39000), pytest.approx(20000 / 39000), 20000, 39000)
    # R2: PM4 15,000 (on R2's August order, received in September) + PM3 5,000 (no order: the customer's
    # owner R2) = 20,000 / 25,000 = 0.8.
    assert r2["collection_rate"] == (pytest.approx(0.8), pytest.approx(0.8), 20000, 25000)
    # R5: nothing received / 8,000 = 0.
    assert r5["collection_rate"][:2] == (0.0, 0.0)


def test_gross_margin_by_hand(kpi_db):
    r1, r2, r5 = _kpis(kpi_db, "R1"), _kpis(kpi_db, "R2"), _kpis(kpi_db, "R5")
    # R1: (30,000 - 50) + (8,000 - 5,000) + (1,000 - 100) = 33,850 over 39,000 = 0.8679
    # R2: X2's product has no cost: only the fixture line, (20,000 - 10) / 20,000 = 0.9995
    # R5: (8,000 - 30) / 8,000 = 0.99625.  Percentile in the team (ascending): R1 0, R5 0.5, R2 1.
    assert r1["gross_margin"] == (pytest.approx(33850 / 39000), 0.0, 33850, 39000)
    assert r2["gross_margin"] == (pytest.approx(0.9995), 1.0, 19990, 20000)
    assert r5["gross_margin"] == (pytest.approx(0.99625), 0.5, 7970, 8000)


def test_new_customers_by_hand(kpi_db):
    r1, r2, r5 = _kpis(kpi_db, "R1"), _kpis(kpi_db, "R2"), _kpis(kpi_db, "R5")
    # September first orders: C7 (R1), C8 (R2). C9's first order was R5's in August, so R1's X5 to C9 is
    # not a new customer; C8's October order does not count again. R1 and R2 tie at 1 (rank 2 of 3 ->
    # percentile 0.5 each), R5 0 (percentile 0).
    assert [c["new_customers"][:2] for c in (r1, r2, r5)] == [(1.0, 0.5), (1.0, 0.5), (0.0, 0.0)]
    august = kpi_db.execute("""select value from marts.fct_kpi_scorecard where kpi = 'new_customers' and rep_id = 'R5'
                               and period_type = 'month' and period_start = '2025-08-01'""").fetchone()
    assert august == (1.0,)


def test_growth_kpis_by_hand(kpi_db):
    r1, r2, r5 = _kpis(kpi_db, "R1"), _kpis(kpi_db, "R2"), _kpis(kpi_db, "R5")
    # YoY: R1 39,000 / 30,000 - 1 = 0.30; R2 25,000 / 20,000 - 1 = 0.25; R5 (hired 2025) no base -> None.
    # PoP: August R1 27,000 -> 0.444; R2 18,000 -> 0.389; R5 7,200 + 1,000 (X4) = 8,200 -> -0.024.
    assert [c["sales_growth_yoy"][0] for c in (r1, r2)] == [pytest.approx(0.3), pytest.approx(0.25)]
    assert r5["sales_growth_yoy"][:2] == (None, None)
    assert [c["sales_growth_pop"][0] for c in (r1, r2, r5)] == [
        pytest.approx(39000 / 27000 - 1),
        pytest.approx(25000 / 18000 - 1),
        pytest.approx(8000 / 8200 - 1),
    ]
    # percentiles among the two with a value (R1 above R2), resp. the three
    assert [r1["sales_growth_yoy"][1], r2["sales_growth_yoy"][1]] == [1.0, 0.0]
    assert [c["sales_growth_pop"][1] for c in (r1, r2, r5)] == [1.0, 0.5, 0.0]


def test_manager_kpis_sum_the_direct_reports(kpi_db):
    m1 = _kpis(kpi_db, "M1")
    assert set(m1) == {"sales_attainment", "win_rate", "collection_rate", "new_customers"}
    # win rate: R1 2 won of 3, R2 0 of 1, M1's own OP7 won -> (2 + 0 + 1) / (3 + 1 + 1) = 0.6 (not the
    # average of the reps' rates); score 0.6 / 0.5 = 1.2.
    assert m1["win_rate"] == (pytest.approx(0.6), pytest.approx(1.2), 3, 5)
    # collection: (20,000 + 20,000 + 0) / (39,000 + 25,000 + 8,000) = 0.5556
    assert m1["collection_rate"][:2] == (pytest.approx(40000 / 72000), pytest.approx(40000 / 72000))
    # new customers: 1 + 1 + 0 = 2 against a target of 2 -> score 1.0
    assert m1["new_customers"][:2] == (2.0, 1.0)
    # attainment: the reports' actuals over their targets, summed before dividing
    actual, target = kpi_db.execute(
        """select sum(actual_amount), sum(target_amount) from marts.fct_attainment
                                       where level = 'rep' and period_type = 'month' and period_start = ?
                                         and key in ('R1', 'R2', 'R5')""",
        [SEPTEMBER],
    ).fetchone()
    assert float(actual) == 72000
    assert m1["sales_attainment"][0] == pytest.approx(72000 / float(target))
    assert m1["sales_attainment"][2:] == (72000, pytest.approx(float(target)))
