"""commission_plans.yml: validation messages name the key path; valid files become config.commission_* rows."""

from __future__ import annotations

import duckdb
import pytest

from salesperf.config.commission_plans import COMMISSION_PLANS_SPEC
from salesperf.config.files import ConfigError
from salesperf.config.tables import load_config_tables
from tests.helpers.commission_company import PLANS_YML
from tests.helpers.company import PROJECT_ROOT

PLAN = """
plans:
  - id: p
    period: quarter
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.0}
      - {from: 0.5, rate: 0.03}
"""


def _load(tmp_path, text: str) -> duckdb.DuckDBPyConnection:
    (tmp_path / "commission_plans.yml").write_text(text, encoding="utf-8")
    con = duckdb.connect()
    load_config_tables(con, tmp_path, COMMISSION_PLANS_SPEC)
    return con


def test_the_repository_demo_plans_and_the_test_plans_are_valid(tmp_path):
    con = _load(tmp_path, (PROJECT_ROOT / "config" / "commission_plans.yml").read_text(encoding="utf-8"))
    plans = dict(con.execute("select plan_id, tier_method from config.commission_plans").fetchall())
    assert plans == {
        "field_2025": "marginal",
        "hunter_collected": "retroactive",
        "margin_2025": "marginal",
        "manager_2025": "marginal",
        # issue 18 item 9: the demo file exercises the new mechanics too
        "ae_ytd_2025": "marginal",
        "ae_advance_2025": "marginal",
        # issue 18 item 2: a plan with components is computed as one plan per component
        "hunter_mix_2025.sales": "marginal",
        "hunter_mix_2025.cash": "marginal",
        "hunter_mix_2025.logos": "marginal",
        "hunter_mix_2025.new_line": "marginal",
    }
    # field_2025: three tiers; 0.0-0.5 at 0 is the threshold
    assert con.execute(
        "select tier_no, tier_from, tier_to, rate from config.commission_tiers where plan_id = 'field_2025' order by 1"
    ).fetchall()[0][1:] == (0, 0.5, 0)
    assert con.execute("select count(*) from config.commission_spifs where product_line = '新品'").fetchone()[0] >= 1
    assert _load(tmp_path, PLANS_YML).execute("select count(*) from config.commission_assignments").fetchone()[0] == 5


def test_absent_file_means_no_commissions(tmp_path):
    con = duckdb.connect()
    counts = load_config_tables(con, tmp_path, COMMISSION_PLANS_SPEC)
    assert set(counts) == {
        "commission_plans",
        "commission_tiers",
        "commission_spifs",
        "commission_ramp",
        "commission_assignments",
    } and set(counts.values()) == {0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("rate: 0.03}", "rate: 1.5}"), r"plans\[0\]\.tiers\[1\]\.rate: must be between 0 and 1"),
        (("{from: 0.5, rate", "{from: 0.6, rate"), r"plans\[0\]\.tiers: .*tier 0 ends at 0.5 but tier 1 starts at 0.6"),
        (("{from: 0.0, to: 0.5", "{from: 0.1, to: 0.5"), r"plans\[0\]\.tiers: the first tier must start at 0"),
        (("period: quarter", "period: week"), r"plans\[0\]\.period: "),
        (("measure: net_sales", "measure: revenue"), r"plans\[0\]\.measure: "),
        (("tier_method: marginal", "tier_method: marginal\n    clawback_days: -3"), r"plans\[0\]\.clawback_days: "),
        # issue 18: line numbers, multipliers and target_incentive
        (("rate: 0.03}", "rate: 1.5}"), r"plans\[0\]\.tiers\[1\]\.rate: must be between 0 and 1 \(line 10\)"),
        (
            ("rate: 0.03}", "multiplier: 1.5}"),
            r"plans\[0\]\.tiers\[1\]\.multiplier: needs the plan's `target_incentive`.*\(line 10\)",
        ),
        (
            ("rate: 0.03}", "rate: 0.03, multiplier: 1}"),
            r"plans\[0\]\.tiers\[1\]: give exactly one of `rate` and `multiplier`",
        ),
        (
            ("period: quarter", "period: quarter\n    pay_period: quarter"),
            r"plans\[0\]\.pay_period: must be shorter than the plan's period \(quarter\), found quarter \(line 5\)",
        ),
        (
            ("period: quarter", "period: quarter\n    pay_period: month\n    true_up: period_end"),
            r"plans\[0\]\.advance_rate: needed with true_up: period_end",
        ),
        (
            (
                "tier_method: marginal",
                "tier_method: marginal\n    draw: {amount: 1000, recoverable: false, from: 2025-01-01,"
                " recover_from: 2025-04-01}",
            ),
            r"plans\[0\]\.draw\.recover_from: a non-recoverable draw \(a guaranteed minimum\) is never "
            r"recovered \(line 8\)",
        ),
        (
            ("tier_method: marginal", "tier_method: marginal\n    draw: {amount: 0, from: 2025-01-01}"),
            r"plans\[0\]\.draw\.amount: ",
        ),
        (
            ("tier_method: marginal", "tier_method: marginal\n    target_incentive: 1000"),
            r"plans\[0\]\.tiers\[0\]\.rate: a plan with `target_incentive` gives each tier a `multiplier`",
        ),
    ],
)
def test_invalid_plans_name_the_key_path(tmp_path, change, message):
    with pytest.raises(ConfigError, match=r"^commission_plans\.yml: " + message):
        _load(tmp_path, PLAN.replace(*change))


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        ("  - {rep_id: R1, plan: nope}", r"assignments\[0\]\.plan: unknown plan 'nope'"),
        ("  - {rep_id: R1, role: rep, plan: p}", r"assignments\[0\]: give exactly one of rep_id and role"),
        (
            "  - {rep_id: R1, plan: p, from: 2025-01-01, to: 2025-06-30}\n  - {rep_id: R1, plan: p, from: 2025-06-01}",
            r"assignments\[1\]: overlaps assignments\[0\] for rep R1",
        ),
        (
            "  - {role: rep, plan: p, from: 2025-03-01, to: 2025-02-01}",
            r"assignments\[0\]: `to` \(2025-02-01\) is before",
        ),
    ],
)
def test_invalid_assignments_name_the_row(tmp_path, assignments, message):
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, PLAN + "assignments:\n" + assignments + "\n")


def test_a_bad_file_leaves_the_previous_tables(tmp_path):
    con = _load(tmp_path, PLAN)
    (tmp_path / "commission_plans.yml").write_text(PLAN.replace("rate: 0.03}", "rate: x}"), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config_tables(con, tmp_path, COMMISSION_PLANS_SPEC)
    assert con.execute("select count(*) from config.commission_tiers").fetchone()[0] == 2
