"""Rules a single row can break on a money column, checked while the row is typed (docs/data_quality.md).

A row that breaks one is quarantined like any other rejected row: it goes to audit.rejected_rows with a reason
naming the column, what was expected and what was found (`quantity: expected a quantity > 0, found "-2"`),
it is counted in its file's rows_rejected, and the rest of the file and of the run go on. These were
great-expectations rules of ERROR severity until one negative quantity in ten million lines blocked the whole
warehouse; the suites still hold them (ingestion/validation/rules.py), where a failure now means ingestion broke.

Each rule's `test` is SQL over `{v}`, the column's typed value, TRUE when the value is acceptable; a blank
(NULL) value is the required / parse checks' business, never this one's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowRule:
    entity: str
    column: str
    name: str  # the rule's name in audit.data_quality_findings, e.g. quantity_positive
    test: str  # SQL over {v}: TRUE when the typed value passes
    expected: str  # what the reason says was expected, e.g. "a quantity > 0"
    why: str  # one line for people reading docs and findings

    def passes_sql(self, value: str) -> str:
        return self.test.replace("{v}", f"({value})")


ROW_RULES: tuple[RowRule, ...] = (
    RowRule(
        "orders",
        "quantity",
        "quantity_positive",
        "{v} > 0",
        "a quantity > 0",
        "a line with quantity <= 0 (a 红字 credit line) credits negative or no sales; money going back is a return",
    ),
    RowRule(
        "orders",
        "unit_price",
        "unit_price_not_negative",
        "{v} >= 0",
        "a price >= 0",
        "a negative price turns a sale into a debit",
    ),
    RowRule(
        "returns",
        "amount",
        "amount_positive",
        "{v} > 0",
        "an amount > 0 (money credited back)",
        "a return of zero or a negative amount would add sales instead of taking them back",
    ),
    RowRule(
        "credit_splits",
        "split_pct",
        "split_pct_fraction",
        "{v} > 0 AND {v} <= 1",
        "a fraction > 0 and <= 1 (0.5 or 50%)",
        "a split is a fraction of the order: 50 instead of 0.5 would credit fifty times the order",
    ),
)


def rules_for(entity: str, column: str) -> list[RowRule]:
    return [r for r in ROW_RULES if r.entity == entity and r.column == column]


def reason_prefix(rule: RowRule) -> str:
    """How a rejected row's reason starts for this rule (without the found value)."""
    return f"{rule.column}: expected {rule.expected}, found "
