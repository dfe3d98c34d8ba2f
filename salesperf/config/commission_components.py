"""Plan components (issue 18 item 2; docs/commissions.md "Plan components"): one plan, several weighted parts.

Each component has its own measure, quota, tiers and cap and is paid as a plan of its own, `<plan>.<component>`
(its statements carry parent_plan_id, component_id and component_weight): the plan pays the sum of its
components. Assignments name the plan; the engine puts the rep on every component (int_commission_assignment_days).
A component's target incentive is its weight x the plan's `target_incentive`; its quota is `quota` per plan
period (required for the count measures `new_customers` and `units`), else the rep's target. This module only
checks the keys and shapes the rows: the rules are dbt SQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

COUNT_MEASURES = ("new_customers", "units")
# keys a plan with components gives per component, or cannot have (a draw or a minimum per deal of a whole plan
# would need the plan's earnings across components: not built)
PER_COMPONENT_OR_ABSENT = ("measure", "tier_basis", "tier_method", "tiers", "cap", "draw", "pay_period", "deal_minimum")


def check_components(plan: Any) -> None:
    """The rules of a plan with `components`; each ValueError message starts with the key it is about."""
    components = plan.components
    ids = [c.id for c in components]
    if len(set(ids)) != len(ids):
        raise ValueError("components: duplicate component id")
    total = sum((c.weight for c in components), Decimal(0))
    if total != 1:
        raise ValueError(f"components: the weights must total 1, found {total}")
    for key in PER_COMPONENT_OR_ABSENT:
        if getattr(plan, key) is not None:
            raise ValueError(f"{key}: a plan with components gives it per component, or cannot have it")
    if plan.spifs or plan.manager_override_rate is not None or plan.tier_scope != "period":
        raise ValueError("components: spifs, manager_override_rate and tier_scope: transaction need a plain plan")
    for n, c in enumerate(components):
        has_multiplier = any(t.multiplier is not None for t in c.tiers)
        if plan.target_incentive is None and (c.measure in COUNT_MEASURES or has_multiplier):
            raise ValueError(
                f"components[{n}].tiers: a count measure or a multiplier is paid from the plan's `target_incentive`"
            )
        if plan.target_incentive is not None:
            if any(t.rate is not None for t in c.tiers):
                raise ValueError(f"components[{n}].tiers: with `target_incentive` each tier gives a `multiplier`")
            if c.tier_basis != "attainment":
                raise ValueError(f"components[{n}].tier_basis: target_incentive needs tier_basis: attainment")


def component_plans(plan: Any) -> list[tuple[str, Any, Any]]:
    """(plan_id, component or None, target incentive) of each plan the engine computes for `plan`."""
    if not plan.components:
        return [(plan.id, None, plan.target_incentive)]
    return [
        (f"{plan.id}.{c.id}", c, plan.target_incentive * c.weight if plan.target_incentive is not None else None)
        for c in plan.components
    ]
