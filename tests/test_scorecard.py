"""KPI scorecards: the weights rule of scorecard.yml, and a scorecard computed by hand on the small
company of tests/targets_fixture.py (September 2025, team E1 = R1, R2, R5 as peers)."""

from __future__ import annotations

import pytest

from ingestion.config_files import ConfigError, load_config
from ingestion.scorecard_config import Scorecard
from tests.targets_fixture import build_company

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
ACTIVITIES = ([dict(activity_id=f"A1{i}", rep_id="R1", activity_type="visit", activity_date="2025-09-0" + str(i + 1))
               for i in range(3)]
              + [dict(activity_id="A20", rep_id="R2", activity_type="visit", activity_date="2025-09-05"),
                 dict(activity_id="A21", rep_id="R2", activity_type="call", activity_date="2025-09-06"),
                 dict(activity_id="A50", rep_id="R5", activity_type="visit", activity_date="2025-08-30")])
SURVEYS = [dict(survey_id="S1", customer_id="C0", rep_id="R1", survey_date="2025-09-10", score=5),
           dict(survey_id="S2", customer_id="C1", rep_id="R1", survey_date="2025-09-20", score=4),
           dict(survey_id="S3", customer_id="C2", rep_id="R2", survey_date="2025-09-12", score=3)]


def test_weights_must_sum_to_one(tmp_path):
    path = tmp_path / "scorecard.yml"
    path.write_text(SCORECARD_YML.replace("weight: 0.2", "weight: 0.1"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^scorecard.yml: roles.rep.kpis: weights must sum to 1, found 0.9$"):
        load_config(path, Scorecard)
    path.write_text(SCORECARD_YML.replace("method: target, target: 4.0", "method: target"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"roles.rep.kpis\[2\]: method target needs a target"):
        load_config(path, Scorecard)
    path.write_text(SCORECARD_YML, encoding="utf-8")
    assert load_config(path, Scorecard).roles["rep"].kpis[1].method == "percentile"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    import duckdb

    path = build_company(tmp_path_factory.mktemp("scorecard"), scorecard_yml=SCORECARD_YML,
                         extra_raw={"activities": ACTIVITIES, "surveys": SURVEYS},
                         select="+fct_kpi_scorecard +fct_leaderboard")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _card(db, rep_id):
    rows = db.execute("""select kpi, value, score, weight, weighted_score from marts.fct_kpi_scorecard
                         where period_type = 'month' and period_start = ? and rep_id = ?""",
                      [SEPTEMBER, rep_id]).fetchall()
    return {r[0]: r[1:] for r in rows}


def _attainment(db, rep_id):
    actual, target = db.execute("""select actual_amount, target_amount from marts.fct_attainment
                                   where level = 'rep' and period_type = 'month' and period_start = ? and key = ?""",
                                [SEPTEMBER, rep_id]).fetchone()
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
    board = {r[0]: r[1:] for r in db.execute("""
        select rep_id, total_score, kpis_scored, rank_in_team, rank_in_region from marts.fct_leaderboard
        where period_type = 'month' and period_start = ?""", [SEPTEMBER]).fetchall()}
    att = {rep: min(1.2, _attainment(db, rep)) for rep in ("R1", "R2", "R5")}
    expected = {"R1": 0.5 * att["R1"] + 0.3 * 1.0 + 0.2 * 1.1,
                "R2": 0.5 * att["R2"] + 0.3 * 0.5 + 0.2 * 0.75,
                "R5": (0.5 * att["R5"] + 0.3 * 0.0) / 0.8}  # no survey: weights re-normalised over 0.8
    for rep, total in expected.items():
        assert board[rep][0] == pytest.approx(total)
    assert board["R5"][1] == 2 and board["R1"][1] == 3
    team_order = sorted(expected, key=lambda r: -expected[r])
    assert [board[r][2] for r in team_order] == [1, 2, 3]
    west = sorted((r for r in board if r in ("R3", "R4", "R6")), key=lambda r: -(board[r][0] or -1))
    assert [board[r][3] for r in west] == list(range(1, len(west) + 1))
