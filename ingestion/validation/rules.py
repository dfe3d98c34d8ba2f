"""The suites: per entity the expectations (keys, ranges, plausible dates, references between entities) with the
severity the Dagster check reports (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ingestion.entities import ENTITIES
from ingestion.readers import quote_ident
from ingestion.validation.gx_setup import FailureSeverity, gxe

ERROR, WARN = "ERROR", "WARN"
# Plausible dates: nothing before this, nothing more than a year after the as-of date (a day and month
# swapped by a foreign date format, or an Excel serial read as a year, lands outside).
EARLIEST_DATE = dt.date(1990, 1, 1)
FUTURE_DAYS = {"expected_close_date": 5 * 366}  # default 366


@dataclass(frozen=True)
class Rule:
    """One expectation of an entity's suite, with the severity the Dagster check reports."""

    name: str  # stable within the entity, e.g. "rep_id_in_reps"; the result's `expectation`
    columns: tuple[str, ...]
    severity: str  # ERROR | WARN
    why: str  # one line for people reading the results
    expectation: gxe.Expectation = field(compare=False)


# Explicit ranges: entity -> [(column, min, max, strict_min, severity, why)]. None = unbounded.
RANGES: dict[str, list[tuple[str, float | None, float | None, bool, str, str]]] = {
    "orders": [
        (
            "quantity",
            0,
            None,
            True,
            ERROR,
            "a line with quantity <= 0 credits negative or no sales; returns are their own entity",
        ),
        ("unit_price", 0, None, False, ERROR, "a negative price turns a sale into a debit"),
        ("discount_amount", 0, None, False, WARN, "a negative discount raises the net amount"),
    ],
    "returns": [
        (
            "amount",
            0,
            None,
            True,
            ERROR,
            "amount is money credited back, so positive; a negative return would add sales",
        ),
        ("quantity", 0, None, True, WARN, "returned quantity should be positive"),
    ],
    "payments": [("amount", 0, None, True, WARN, "refunds and reversals should be rare")],
    "credit_splits": [
        ("split_pct", 0, 1, True, ERROR, "a split is a fraction; 50 instead of 0.5 would credit fifty times the order")
    ],
    "products": [
        ("list_price", 0, None, False, WARN, "prices are not negative"),
        ("unit_cost", 0, None, False, WARN, "costs are not negative (gross margin measure)"),
    ],
    "opportunities": [("amount", 0, None, False, WARN, "pipeline amounts are not negative")],
    "opportunity_stages": [
        ("amount", 0, None, False, WARN, "pipeline amounts are not negative"),
        ("probability", 0, 1, False, WARN, "a probability is a fraction; 10 instead of 0.1 (or 10%) is 1000%"),
    ],
    "activities": [("duration_minutes", 0, 24 * 60, False, WARN, "an activity lasts between 0 and 24 hours")],
    "surveys": [("score", 1, 5, False, WARN, "satisfaction is scored 1 to 5")],
    "trainings": [("assessment_score", 0, 100, False, WARN, "assessments are scored 0 to 100")],
    "targets": [("target_amount", 0, None, False, WARN, "targets are not negative")],
}


# References: entity -> [(column(s), target entity, target column(s), severity, why)].
REFERENCES: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], str, str]]] = {
    "orders": [
        (
            ("rep_id",),
            "reps",
            ("rep_id",),
            ERROR,
            "the line's credit would go to a rep with no plan, region "
            "or team: the seller is not paid and region/team attainment misses it",
        ),
        (
            ("product_id",),
            "products",
            ("product_id",),
            WARN,
            "the line still counts in full; only product-line "
            "figures (SPIFs, product-line targets, gross margin) miss it",
        ),
        (("customer_id",), "customers", ("customer_id",), WARN, "customer attributes are missing; no money effect"),
    ],
    "returns": [
        (
            ("order_id",),
            "orders",
            ("order_id",),
            WARN,
            "a return against an order outside the extracts reduces nobody's sales; usual for returns of older orders",
        ),
        (
            ("order_id", "line_no"),
            "orders",
            ("order_id", "line_no"),
            WARN,
            "the return names a line its order does not have",
        ),
    ],
    "credit_splits": [
        (("order_id",), "orders", ("order_id",), WARN, "a split for an unknown order does nothing"),
        (("rep_id",), "reps", ("rep_id",), ERROR, "the share of the order's credit would go to no one"),
    ],
    "payments": [
        (("order_id",), "orders", ("order_id",), WARN, "the payment cannot be tied to an order"),
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown paying customer"),
    ],
    "adjustments": [
        (
            ("rep_id",),
            "reps",
            ("rep_id",),
            ERROR,
            "a manual commission adjustment for a rep who does not exist: someone is not paid",
        )
    ],
    "reps": [(("manager_id",), "reps", ("rep_id",), WARN, "the manager override has no recipient")],
    "customers": [(("owner_rep_id",), "reps", ("rep_id",), WARN, "the customer's owner is unknown")],
    "opportunities": [
        (("owner_rep_id",), "reps", ("rep_id",), WARN, "pipeline KPIs miss the owner"),
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown customer"),
    ],
    "opportunity_stages": [
        (
            ("opportunity_id",),
            "opportunities",
            ("opportunity_id",),
            WARN,
            "the history of an opportunity outside the extracts: the funnel cannot place it",
        )
    ],
    "activities": [(("rep_id",), "reps", ("rep_id",), WARN, "activity KPIs miss the rep")],
    "surveys": [
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown customer"),
        (("rep_id",), "reps", ("rep_id",), WARN, "satisfaction KPI misses the rep"),
    ],
    "trainings": [(("rep_id",), "reps", ("rep_id",), WARN, "training KPI misses the rep")],
}


# Date order within a row: entity -> [(earlier, later, severity)].
DATE_ORDER: dict[str, list[tuple[str, str, str]]] = {
    "reps": [("hire_date", "termination_date", WARN)],
    "orders": [("order_date", "cancelled_date", WARN)],
    "opportunities": [("created_date", "closed_date", WARN)],
}


def _severity(level: str) -> FailureSeverity:
    return FailureSeverity.CRITICAL if level == ERROR else FailureSeverity.WARNING


# Result formats, per kind of expectation (GX applies one per validate call, so the suite runs in two):
# SUMMARY gives counts and up to 20 failing values (SAMPLE_SIZE are kept); COMPLETE gives an
# UnexpectedRowsExpectation's failing rows themselves (GX fetches at most 200), where SUMMARY gives none.
COLUMN_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
ROWS_FORMAT: dict[str, Any] = {"result_format": "COMPLETE"}


def _column_expectation(cls: type[gxe.Expectation], level: str, **kwargs: Any) -> gxe.Expectation:
    return cls(severity=_severity(level), **kwargs)


def _rows_expectation(query: str, level: str, why: str) -> gxe.Expectation:
    return gxe.UnexpectedRowsExpectation(unexpected_rows_query=query, description=why, severity=_severity(level))


def _key_order(entity: str) -> list[str]:
    spec = ENTITIES[entity]
    return [quote_ident(c) for c in spec.key] or ["_file_seq", "_source_row"]


def _reference_query(
    entity: str, columns: tuple[str, ...], target: str, target_columns: tuple[str, ...], raw: str
) -> str:
    """Current rows whose reference is set but found in no row of raw.<target>. A key present in raw is
    present among the current rows too (de-duplication never drops a key), so raw is the cheaper side.

    Written as DuckDB's ANTI JOIN: GX substitutes a JOIN query's {batch} without an alias of its own, so
    the query can name it `b`; the hash anti-join needs no DISTINCT over the (possibly large) target."""
    q = quote_ident
    # the failing row's key, its reference and where it came from (a blocking message names file and row)
    keys = [*(f"b.{c}" for c in _key_order(entity)), *(f"b.{q(c)}" for c in columns)]
    shown = ", ".join(dict.fromkeys([*keys, "b._source_file", "b._source_row"]))
    set_ = " AND ".join(f"b.{q(c)} IS NOT NULL" for c in columns)
    match = " AND ".join(f"t.{q(tc)} = b.{q(c)}" for c, tc in zip(columns, target_columns, strict=True))
    order = ", ".join(f"b.{c}" for c in _key_order(entity))
    return (
        f"SELECT {shown} FROM {{batch}} AS b ANTI JOIN {raw}.{q(target)} AS t ON {match} WHERE {set_} ORDER BY {order}"
    )


def _repeated_key_query(entity: str) -> str:
    """Current rows whose key another current row has: every such row, as GX's uniqueness expectations
    count them, with where it came from. Rows are first narrowed by a hash of the key (one GROUP BY on a
    BIGINT; a collision only adds rows to the exact test), so the exact window runs on a handful of rows:
    ~1 s for 10M order lines, where ExpectCompoundColumnsToBeUnique took 5.5 s (and
    ExpectColumnValuesToBeUnique 3.4 s for 7.5M payments)."""
    keys = ", ".join(quote_ident(c) for c in ENTITIES[entity].key)
    given = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in ENTITIES[entity].key)
    return (
        f"SELECT {keys}, _file_seq, _source_row FROM {{batch}} WHERE {given} AND hash({keys}) IN "
        f"(SELECT hash({keys}) FROM {{batch}} GROUP BY 1 HAVING count(*) > 1) "
        f"QUALIFY count(*) OVER (PARTITION BY {keys}) > 1 ORDER BY {keys}, _file_seq, _source_row"
    )


def entity_rules(entity: str, as_of: dt.date, catalog: str | None = None) -> list[Rule]:
    """The suite of one entity: derived from its spec (required -> not null, key -> unique, allowed
    values, plausible dates) plus the explicit ranges, references and date orders above. `catalog`: the
    build database's name, which reference queries need because GX's cursors search the scratch database."""
    raw = f"{quote_ident(catalog)}.raw" if catalog else "raw"
    rules = [
        *_not_null_rules(entity),
        *_unique_rules(entity),
        *_allowed_rules(entity),
        *_range_rules(entity),
        *_plausible_date_rules(entity, as_of),
        *_date_order_rules(entity),
        *_reference_rules(entity, raw),
    ]
    for rule in rules:
        rule.expectation.meta = {"rule": rule.name}
    return rules


def _not_null_rules(entity: str) -> list[Rule]:
    return [
        Rule(
            f"{col.name}_not_null",
            (col.name,),
            ERROR,
            "required column",
            _column_expectation(gxe.ExpectColumnValuesToNotBeNull, ERROR, column=col.name),
        )
        for col in ENTITIES[entity].columns
        if col.required
    ]


def _unique_rules(entity: str) -> list[Rule]:
    spec = ENTITIES[entity]
    if not spec.key:
        return []
    why = "the key repeats within one extract; staging keeps the later row"
    return [
        Rule(
            f"{'_'.join(spec.key)}_unique",
            spec.key,
            WARN,
            why,
            _rows_expectation(_repeated_key_query(entity), WARN, why),
        )
    ]


def _allowed_rules(entity: str) -> list[Rule]:
    # ingestion rejects anything else; a failure here means ingestion broke
    return [
        Rule(
            f"{col.name}_allowed",
            (col.name,),
            ERROR,
            f"one of {', '.join(col.allowed)}",
            _column_expectation(gxe.ExpectColumnValuesToBeInSet, ERROR, column=col.name, value_set=list(col.allowed)),
        )
        for col in ENTITIES[entity].columns
        if col.allowed
    ]


def _range_rules(entity: str) -> list[Rule]:
    return [
        Rule(
            f"{name}_range",
            (name,),
            level,
            why,
            _column_expectation(
                gxe.ExpectColumnValuesToBeBetween,
                level,
                column=name,
                min_value=low,
                max_value=high,
                strict_min=strict,
            ),
        )
        for name, low, high, strict, level, why in RANGES.get(entity, [])
    ]


def _plausible_date_rules(entity: str, as_of: dt.date) -> list[Rule]:
    rules = []
    for col in ENTITIES[entity].columns:
        if col.kind == "date":
            latest = as_of + dt.timedelta(days=FUTURE_DAYS.get(col.name, 366))
            rules.append(
                Rule(
                    f"{col.name}_plausible",
                    (col.name,),
                    WARN,
                    f"between {EARLIEST_DATE} and {latest} (as-of date + {(latest - as_of).days} days)",
                    _column_expectation(
                        gxe.ExpectColumnValuesToBeBetween,
                        WARN,
                        column=col.name,
                        min_value=EARLIEST_DATE,
                        max_value=latest,
                    ),
                )
            )
    return rules


def _date_order_rules(entity: str) -> list[Rule]:
    rules = []
    for earlier, later, level in DATE_ORDER.get(entity, []):
        order = ", ".join(_key_order(entity))
        why = f"{later} is not before {earlier}"
        query = (
            f"SELECT {order}, {quote_ident(earlier)}, {quote_ident(later)} FROM {{batch}} "
            f"WHERE {quote_ident(later)} < {quote_ident(earlier)} ORDER BY {order}"
        )
        rules.append(
            Rule(f"{later}_after_{earlier}", (earlier, later), level, why, _rows_expectation(query, level, why))
        )
    return rules


def _reference_rules(entity: str, raw: str) -> list[Rule]:
    rules = []
    for columns, target, target_columns, level, why in REFERENCES.get(entity, []):
        name = f"{'_'.join(columns)}_in_{target}"
        query = _reference_query(entity, columns, target, target_columns, raw)
        rules.append(Rule(name, columns, level, why, _rows_expectation(query, level, why)))
    if entity == "targets":  # rep-level targets name a rep in `key`
        why = "a rep-level target for an unknown rep"
        rules.append(
            Rule(
                "rep_key_in_reps",
                ("level", "key"),
                WARN,
                why,
                _rows_expectation(
                    f"SELECT b.period, b.level, b.key FROM {{batch}} AS b "
                    f"ANTI JOIN {raw}.reps AS t ON t.rep_id = b.key "
                    "WHERE b.level = 'rep' AND b.key IS NOT NULL ORDER BY b.period, b.key",
                    WARN,
                    why,
                ),
            )
        )
    return rules
