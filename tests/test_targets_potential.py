"""Allocation method `potential`: targets split by each unit's forecast of the plan year's sales.

A small hand-made company (as of 2025-10-15, plan year 2026, history to September 2025): region East with team
T1 = rep G, whose sales grow 4 % of the starting level every month, and rep F, flat; region West with team T2 =
rep H, flat. Every monthly amount follows the same seasonal pattern, so forecasts are predictable: F's potential
is its last year again, G's well above its last year. Product lines Hardware and Software sell; NewLine has no
sales at all and must fall back to the equal share.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import numpy as np
import pytest
from pydantic import ValidationError

from forecasting.potential import plan_year_potential
from salesperf.config.targets import TargetsPolicy
from tests.helpers.targets_company import SEASON, build_company, months

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

POTENTIAL_YML = """\
plan_year: 2026
company_target: {growth: 0.10}
allocation:
  region: {method: potential}
  team: {method: potential}
  rep: {method: potential}
  product_line: {method: potential}
seasonality: {source: history, years: 2}
new_hires: {default_monthly_target: 20000, ramp: [0.5], min_history_months: 3}
"""
REPS = [
    dict(rep_id="G", region="East", team="T1", role="rep", hire_date="2022-01-01"),
    dict(rep_id="F", region="East", team="T1", role="rep", hire_date="2022-01-01"),
    dict(rep_id="H", region="West", team="T2", role="rep", hire_date="2022-01-01"),
]
PRODUCTS = [
    dict(product_id="P1", product_line="Hardware", unit_cost=50),
    dict(product_id="P2", product_line="Software", unit_cost=10),
    dict(product_id="P3", product_line="NewLine", unit_cost=10),
]  # launched, nothing sold yet
FIRST, LAST = dt.date(2022, 7, 1), dt.date(2025, 9, 1)  # history: 39 complete months before October 2025


def amount(rep_id: str, t: int, month: dt.date) -> float:
    base = {"G": 10000 * (1 + 0.04 * t), "F": 20000, "H": 15000}[rep_id]
    return round(base * SEASON[month.month], 2)


def lines() -> list[dict]:
    out = []
    for t, month in enumerate(months(FIRST, LAST)):
        for i, rep in enumerate(REPS):
            out.append(
                dict(
                    order_id=f"O{month:%Y%m}{rep['rep_id']}",
                    line_no=1,
                    order_date=month.replace(day=10).isoformat(),
                    customer_id=f"C{i}",
                    rep_id=rep["rep_id"],
                    product_id="P1" if (t + i) % 2 else "P2",
                    quantity=1,
                    unit_price=amount(rep["rep_id"], t, month),
                    discount_amount=0,
                    status="completed",
                )
            )
    return out


def history(rep_id: str) -> tuple[np.ndarray, list[dt.date]]:
    ms = list(months(FIRST, LAST))
    return np.array([amount(rep_id, t, m) for t, m in enumerate(ms)]), ms


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = build_company(
        tmp_path_factory.mktemp("potential"),
        targets_yml=POTENTIAL_YML,
        reps=REPS,
        products=PRODUCTS,
        lines=lines(),
        manual_targets=[],
        select="+fct_targets assert_target_children_sum_to_parent assert_rolled_up_targets_equal_sum_of_parts",
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _year(db, level: str, key: str) -> Decimal:
    return db.execute(
        "select target_amount from marts.fct_targets where is_plan_year and period_type = 'year' "
        "and level = ? and key = ?",
        [level, key],
    ).fetchone()[0]


# --- config ------------------------------------------------------------------------------------------------


def test_policy_accepts_potential_and_names_it_when_a_method_is_misspelt():
    policy = TargetsPolicy.model_validate(
        {"company_target": {"growth": 0.1}, "allocation": {"rep": {"method": "potential"}}}
    )
    assert policy.allocation["rep"].method == "potential"
    with pytest.raises(ValidationError, match="potential"):
        TargetsPolicy.model_validate({"company_target": {"growth": 0.1}, "allocation": {"rep": {"method": "forecast"}}})


# --- the forecast of one unit ------------------------------------------------------------------------------


def test_plan_year_potential_models_and_fallbacks():
    g, ms = history("G")
    f, _ = history("F")
    plan = dt.date(2026, 1, 1), dt.date(2026, 12, 1)
    grower, flat = plan_year_potential(g, ms, *plan), plan_year_potential(f, ms, *plan)
    assert grower.model == flat.model == "ets" and grower.actual_amount == 0
    # flat: next year is the last year again; growing: well above its last year (a linear trend would give
    # +26 %; ETS damps it)
    assert flat.amount == pytest.approx(f[-12:].sum(), rel=0.02)
    assert grower.amount > 1.1 * g[-12:].sum()
    # 13..23 months: seasonal naive repeats the last year; under a year: the mean of the last 3 months
    short = plan_year_potential(f[-15:], ms[-15:], *plan)
    assert short.model == "snaive" and short.amount == pytest.approx(f[-12:].sum())
    assert plan_year_potential(f[-5:], ms[-5:], *plan).amount == pytest.approx(12 * f[-3:].mean())
    # plan year under way (history to September 2026): its months so far count as they are
    steady = 100.0 + 10.0 * (np.arange(30) % 2)
    under_way = plan_year_potential(steady, list(months(dt.date(2024, 4, 1), dt.date(2026, 9, 1))), *plan)
    assert under_way.actual_amount == pytest.approx(steady[-9:].sum())
    assert under_way.forecast_amount == pytest.approx(3 * 105.0, rel=0.05)  # October to December


# --- through dbt -------------------------------------------------------------------------------------------


def test_forecasts_are_computed_for_every_unit_with_history(db):
    rows = {
        (r[0], r[1]): r[2:]
        for r in db.execute(
            "select level, key, history_months, model, potential_amount from intermediate.int_target_forecasts"
        ).fetchall()
    }
    assert set(rows) == {
        ("region", "East"),
        ("region", "West"),
        ("team", "T1"),
        ("team", "T2"),
        ("rep", "G"),
        ("rep", "F"),
        ("rep", "H"),
        ("product_line", "Hardware"),
        ("product_line", "Software"),
    }
    assert all(r[0] == 39 and r[1] == "ets" for r in rows.values())
    # hand check: the same function on the same history (the dbt model adds nothing to the rule)
    for rep_id in ("G", "F", "H"):
        y, ms = history(rep_id)
        expected = plan_year_potential(y, ms, dt.date(2026, 1, 1), dt.date(2026, 12, 1)).amount
        assert rows[("rep", rep_id)][2] == pytest.approx(expected, rel=1e-6)


def test_potential_gives_the_grower_a_larger_share_than_history(db):
    units = {
        r[0]: r[1:]
        for r in db.execute("""select key, allocation_weight, history_amount, potential_amount,
                                                       allocation_basis
                                                from intermediate.int_target_units where level = 'rep'""").fetchall()
    }
    assert {u[3] for u in units.values()} == {"forecast_ets"}
    team = float(_year(db, "team", "T1"))
    g_share = float(_year(db, "rep", "G")) / team
    potential_share = float(units["G"][2]) / float(units["G"][2] + units["F"][2])
    history_share = float(units["G"][1]) / float(units["G"][1] + units["F"][1])  # same months employed: totals
    assert g_share == pytest.approx(potential_share, abs=1e-6)  # cents rounding only
    assert g_share > history_share + 0.03  # 57 % by forecast against 53 % by the last twelve months
    assert db.execute("""select distinct allocation_method, allocation_basis from marts.fct_targets
                         where is_plan_year and level = 'rep' and key = 'G'""").fetchall() == [
        ("potential", "forecast_ets")
    ]


def test_children_sum_to_parent_to_the_cent(db):
    parents = db.execute("""
        with t as (select * from marts.fct_targets where is_plan_year),
        u as (select * from intermediate.int_target_units)
        select p.level, p.key, p.period_type, p.period_start, p.target_amount, sum(c.target_amount)
        from t p join u on u.parent_level = p.level and u.parent_key = p.key
        join t c on c.level = u.level and c.key = u.key and c.period_type = p.period_type
             and c.period_start = p.period_start
        group by p.level, p.key, p.period_type, p.period_start, p.target_amount, u.level = 'product_line'
        """).fetchall()
    assert len(parents) == (2 + 2 + 2) * 17  # company x 2 splits, 2 regions, 2 teams; 17 periods each
    assert [p for p in parents if p[4] != p[5]] == []
    company = _year(db, "company", "")
    assert sum(_year(db, "product_line", k) for k in ("Hardware", "Software", "NewLine")) == company


def test_a_unit_without_history_gets_the_equal_share(db):
    basis = dict(
        db.execute(
            "select key, allocation_basis from intermediate.int_target_units where level = 'product_line'"
        ).fetchall()
    )
    assert basis == {"Hardware": "forecast_ets", "Software": "forecast_ets", "NewLine": "no_history_equal_share"}
    # every month: NewLine gets a third of the company (to the cent), Hardware and Software share the rest
    rows = db.execute("""select c.period_start, c.target_amount, n.target_amount from marts.fct_targets c
                         join marts.fct_targets n on n.period_type = c.period_type and n.period_start = c.period_start
                          and n.level = 'product_line' and n.key = 'NewLine'
                         where c.level = 'company' and c.period_type = 'month' and c.is_plan_year""").fetchall()
    assert len(rows) == 12
    assert all(abs(new - company / 3) <= Decimal("0.01") for _, company, new in rows)
