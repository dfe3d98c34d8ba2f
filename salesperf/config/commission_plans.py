"""`commission_plans.yml` (docs/contract.md section 3, "Commission semantics"): its shape, its validation, its tables.

Only the settings as written land in `config.commission_*`; every rule that uses them (credit, tiers, caps,
clawbacks, overrides) lives in the dbt models under `models/*/commissions/`. Errors name the key path,
e.g. `commission_plans.yml: plans[2].tiers[1].rate: must be between 0 and 1`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from salesperf.config.commission_components import check_components, component_plans
from salesperf.config.tables import ConfigSpec

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


def _fraction(value: Decimal | None) -> Decimal | None:
    if value is not None and not (0 <= value <= 1):
        raise ValueError("must be between 0 and 1")
    return value


class Tier(BaseModel):
    model_config = _STRICT
    from_: Decimal = Field(alias="from", ge=0)
    to: Decimal | None = None
    rate: Decimal | None = None
    # issue 18 item 3: the rate derived as target_incentive / target x multiplier (1.5 = an accelerator)
    multiplier: Decimal | None = Field(default=None, ge=0, le=100)

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: Decimal | None) -> Decimal | None:
        return _fraction(value)

    @model_validator(mode="after")
    def _bounds(self) -> Tier:
        if self.to is not None and self.to <= self.from_:
            raise ValueError(f"`to` ({self.to}) must be greater than `from` ({self.from_})")
        if (self.rate is None) == (self.multiplier is None):
            raise ValueError("give exactly one of `rate` and `multiplier`")
        return self


def _tiling(tiers: list[Tier]) -> list[Tier]:
    # Tiers must tile [0, infinity): first from 0, each `to` is the next `from`, only the last open.
    if tiers[0].from_ != 0:
        raise ValueError(
            f"the first tier must start at 0 (a threshold is a first tier with rate 0), found from: {tiers[0].from_}"
        )
    for i, (tier, following) in enumerate(zip(tiers, tiers[1:], strict=False)):
        if tier.to is None:
            raise ValueError(f"tier {i} has no `to` but is not the last tier")
        if following.from_ != tier.to:
            raise ValueError(
                f"tiers must be contiguous and ascending: tier {i} ends at {tier.to} "
                f"but tier {i + 1} starts at {following.from_}"
            )
    if tiers[-1].to is not None:
        raise ValueError("the last tier must have no `to` (it is open-ended)")
    return tiers


class Component(BaseModel):
    """Issue 18 item 2: a weighted part of a plan with its own measure, quota, tiers and cap."""

    model_config = _STRICT
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    weight: Decimal = Field(gt=0, le=1)
    measure: Literal["net_sales", "collected", "gross_margin", "new_customers", "units"]
    product_line: str | None = Field(default=None, min_length=1)  # measure units: the product line counted
    quota: Decimal | None = Field(default=None, gt=0)  # per plan period; default: the rep's target
    tier_basis: Literal["attainment", "amount"] = "attainment"
    tier_method: Literal["marginal", "retroactive"] = "marginal"
    tiers: list[Tier] = Field(min_length=1)
    cap: Decimal | None = Field(default=None, ge=0)

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, tiers: list[Tier]) -> list[Tier]:
        return _tiling(tiers)

    @model_validator(mode="after")
    def _measure(self) -> Component:
        if (self.measure == "units") != (self.product_line is not None):
            raise ValueError("product_line: give it for measure units (the product line counted), and only then")
        if self.measure in ("new_customers", "units") and self.quota is None:
            raise ValueError(f"quota: a {self.measure} component needs its quota per period (a count, not money)")
        return self


class Spif(BaseModel):
    model_config = _STRICT
    product_line: str = Field(min_length=1)
    per_unit: Decimal = Field(ge=0)
    from_: dt.date = Field(alias="from")
    to: dt.date

    @model_validator(mode="after")
    def _window(self) -> Spif:
        if self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        return self


class Draw(BaseModel):
    """Issue 18 item 4: a minimum paid per statement period while the draw is in effect."""

    model_config = _STRICT
    amount: Decimal = Field(gt=0)
    recoverable: bool = True  # false: a guaranteed minimum, never recovered
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    recover_from: dt.date | None = None  # recoverable: recovery starts in the period holding it (default `from`)

    @model_validator(mode="after")
    def _dates(self) -> Draw:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        if self.recover_from is not None and not self.recoverable:
            raise ValueError("recover_from: a non-recoverable draw (a guaranteed minimum) is never recovered")
        if self.recover_from is not None and self.recover_from < self.from_:
            raise ValueError(f"recover_from: ({self.recover_from}) is before `from` ({self.from_})")
        return self


class ExitClawback(BaseModel):
    """Issue 18 item 7: on leaving, a rep gives back `share` of what the orders of the last `days` days earned."""

    model_config = _STRICT
    days: int = Field(gt=0)
    share: Decimal = Field(gt=0, le=1)


class Plan(BaseModel):
    model_config = _STRICT
    id: str = Field(min_length=1)
    period: Literal["month", "quarter", "year"]
    # required unless the plan has components (each then gives its own)
    measure: Literal["net_sales", "collected", "gross_margin"] | None = None
    tier_basis: Literal["attainment", "amount"] | None = None
    tier_method: Literal["marginal", "retroactive"] | None = None
    tiers: list[Tier] | None = Field(default=None, min_length=1)
    cap: Decimal | None = Field(default=None, ge=0)
    clawback_days: int = Field(default=0, ge=0)
    manager_override_rate: Decimal | None = None
    spifs: list[Spif] = Field(default_factory=list)
    ramp: list[Decimal] = Field(default_factory=list)
    # issue 18 item 3: on-target variable pay of a full plan period; tiers then give multipliers
    target_incentive: Decimal | None = Field(default=None, gt=0)
    # issue 18 item 1: tiers on the `period` to date, paid every `pay_period`; true_up: period_end pays
    # advance_rate x the pay period's measure and settles at the end of the period
    pay_period: Literal["month", "quarter"] | None = None
    true_up: Literal["pay_period", "period_end"] = "pay_period"
    advance_rate: Decimal | None = None
    draw: Draw | None = None  # issue 18 item 4
    # issue 18 item 5: how a period's tier commission is shared among its deals, and per-transaction pricing
    deal_allocation: Literal["pro_rata", "sequence"] = "pro_rata"
    tier_scope: Literal["period", "transaction"] = "period"
    exit_clawback: ExitClawback | None = None  # issue 18 item 7
    deal_minimum: Decimal | None = Field(default=None, gt=0)  # issue 18 item 4: the least a deal (order) earns
    components: list[Component] | None = Field(default=None, min_length=1)  # issue 18 item 2

    @field_validator("manager_override_rate")
    @classmethod
    def _override(cls, value: Decimal | None) -> Decimal | None:
        return _fraction(value)

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, factors: list[Decimal]) -> list[Decimal]:
        for i, factor in enumerate(factors):
            if not (0 <= factor <= 1):
                raise ValueError(f"ramp[{i}] must be between 0 and 1, found {factor}")
        return factors

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, tiers: list[Tier] | None) -> list[Tier] | None:
        return None if tiers is None else _tiling(tiers)

    @model_validator(mode="after")
    def _shape(self) -> Plan:
        if self.components is not None:
            check_components(self)
            return self
        missing = [k for k in ("measure", "tier_basis", "tier_method", "tiers") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{missing[0]}: required (or give the plan `components`)")
        return self

    @model_validator(mode="after")
    def _pay_period(self) -> Plan:
        order = ["month", "quarter", "year"]
        if self.pay_period is not None and order.index(self.pay_period) >= order.index(self.period):
            raise ValueError(
                f"pay_period: must be shorter than the plan's period ({self.period}), found {self.pay_period}"
            )
        if self.true_up == "period_end":
            if self.pay_period is None:
                raise ValueError("true_up: period_end needs a `pay_period` shorter than the period")
            if self.advance_rate is None:
                raise ValueError("advance_rate: needed with true_up: period_end (the rate paid before the settlement)")
        elif self.advance_rate is not None:
            raise ValueError("advance_rate: only used with true_up: period_end")
        if self.tier_scope == "transaction" and self.pay_period is not None:
            raise ValueError("tier_scope: transaction prices each deal alone: it cannot also pay to date (pay_period)")
        if self.deal_minimum is not None and self.pay_period is not None:
            raise ValueError("deal_minimum: per-deal earnings exist only for plans paid per period (no pay_period)")
        if self.exit_clawback is not None and self.measure == "collected":
            raise ValueError("exit_clawback: only sales measures (net_sales, gross_margin) claw back")
        if self.advance_rate is not None and not (0 <= self.advance_rate <= 1):
            raise ValueError("advance_rate: must be between 0 and 1")
        return self

    @model_validator(mode="after")
    def _incentive(self) -> Plan:
        if self.components is not None or self.tiers is None:
            return self  # components: check_components
        multipliers = [i for i, t in enumerate(self.tiers) if t.multiplier is not None]
        if self.target_incentive is None and multipliers:
            raise ValueError(
                f"tiers[{multipliers[0]}].multiplier: needs the plan's `target_incentive` "
                "(the rate is target_incentive / target x multiplier)"
            )
        if self.target_incentive is not None:
            rates = [i for i, t in enumerate(self.tiers) if t.rate is not None]
            if rates:
                raise ValueError(
                    f"tiers[{rates[0]}].rate: a plan with `target_incentive` gives each tier a `multiplier`, not a rate"
                )
            if self.tier_basis != "attainment":
                raise ValueError("target_incentive: needs tier_basis: attainment (the rate divides by the target)")
        return self


class Assignment(BaseModel):
    model_config = _STRICT
    rep_id: str | None = None
    role: Literal["rep", "manager", "director"] | None = None
    plan: str = Field(min_length=1)
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _who(self) -> Assignment:
        if (self.rep_id is None) == (self.role is None):
            raise ValueError("give exactly one of rep_id and role")
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        return self


class CommissionPlans(BaseModel):
    model_config = _STRICT
    currency: Literal["CNY"] = "CNY"
    plans: list[Plan] = Field(default_factory=list)
    assignments: list[Assignment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> CommissionPlans:
        ids = [p.id for p in self.plans]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"plans: duplicate plan id {duplicated[0]!r}")
        problems = []
        for i, a in enumerate(self.assignments):
            if a.plan not in ids:
                problems.append(f"assignments[{i}].plan: unknown plan {a.plan!r} (plans: {', '.join(ids)})")
        # Two rows for the same rep (or the same role) must not cover the same day: which plan applies
        # would otherwise be a guess.
        for i, a in enumerate(self.assignments):
            for j in range(i):
                b = self.assignments[j]
                if (a.rep_id, a.role) != (b.rep_id, b.role):
                    continue
                a_from, a_to = a.from_ or dt.date.min, a.to or dt.date.max
                if a_from <= (b.to or dt.date.max) and (b.from_ or dt.date.min) <= a_to:
                    who = f"rep {a.rep_id}" if a.rep_id else f"role {a.role}"
                    problems.append(f"assignments[{i}]: overlaps assignments[{j}] for {who}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _plan_row(p: Plan, plan_id: str, c: Component | None, incentive: Decimal | None, currency: str) -> tuple:
    """One row of config.commission_plans: a plan, or one component of a plan with components (issue 18)."""
    return (
        plan_id,
        p.period,
        c.measure if c else p.measure,
        c.tier_basis if c else p.tier_basis,
        c.tier_method if c else p.tier_method,
        c.cap if c else p.cap,
        p.clawback_days,
        p.manager_override_rate,
        currency,
        incentive,
        p.pay_period,
        p.true_up,
        p.advance_rate,
        *((p.draw.amount, p.draw.recoverable, p.draw.from_, p.draw.to, p.draw.recover_from) if p.draw else (None,) * 5),
        p.deal_allocation,
        p.tier_scope,
        p.exit_clawback.days if p.exit_clawback else None,
        p.exit_clawback.share if p.exit_clawback else None,
        p.deal_minimum,
        p.id,
        c.id if c else None,
        c.weight if c else None,
        c.quota if c else None,
        c.product_line if c else None,
    )


def _rows(config: CommissionPlans) -> dict[str, list[tuple]]:
    computed = [(p, plan_id, c, incentive) for p in config.plans for plan_id, c, incentive in component_plans(p)]
    return {
        "commission_plans": [_plan_row(p, i, c, inc, config.currency) for p, i, c, inc in computed],
        "commission_tiers": [
            (plan_id, n, t.from_, t.to, t.rate, t.multiplier)
            for p, plan_id, c, _ in computed
            for n, t in enumerate(c.tiers if c else p.tiers, start=1)
        ],
        "commission_spifs": [
            (p.id, n, s.product_line, s.per_unit, s.from_, s.to)
            for p in config.plans
            for n, s in enumerate(p.spifs, start=1)
        ],
        "commission_ramp": [(plan_id, n, f) for p, plan_id, _, _ in computed for n, f in enumerate(p.ramp, start=1)],
        "commission_assignments": [
            (n, a.rep_id, a.role, a.plan, a.from_, a.to) for n, a in enumerate(config.assignments)
        ],
    }


COMMISSION_PLANS_SPEC = ConfigSpec(
    file_name="commission_plans.yml",
    model=CommissionPlans,
    tables={
        "commission_plans": "plan_id VARCHAR, period_type VARCHAR, measure VARCHAR, tier_basis VARCHAR, "
        "tier_method VARCHAR, cap DECIMAL(18,2), clawback_days INTEGER, "
        "manager_override_rate DECIMAL(9,6), currency VARCHAR, target_incentive DECIMAL(18,2), "
        "pay_period_type VARCHAR, true_up VARCHAR, advance_rate DECIMAL(9,6), draw_amount DECIMAL(18,2), "
        "draw_recoverable BOOLEAN, draw_from DATE, draw_to DATE, draw_recover_from DATE, deal_allocation VARCHAR, "
        "tier_scope VARCHAR, exit_clawback_days INTEGER, exit_clawback_share DECIMAL(9,6), "
        "deal_minimum DECIMAL(18,2), parent_plan_id VARCHAR, component_id VARCHAR, component_weight DECIMAL(9,6), "
        "quota DECIMAL(18,6), product_line VARCHAR",
        "commission_tiers": "plan_id VARCHAR, tier_no INTEGER, tier_from DECIMAL(18,6), tier_to DECIMAL(18,6), "
        "rate DECIMAL(9,6), multiplier DECIMAL(9,6)",
        "commission_spifs": "plan_id VARCHAR, spif_no INTEGER, product_line VARCHAR, per_unit DECIMAL(18,2), "
        "valid_from DATE, valid_to DATE",
        "commission_ramp": "plan_id VARCHAR, month_no INTEGER, factor DECIMAL(9,6)",
        "commission_assignments": "assignment_no INTEGER, rep_id VARCHAR, role VARCHAR, plan_id VARCHAR, "
        "valid_from DATE, valid_to DATE",
    },
    rows=_rows,
)
