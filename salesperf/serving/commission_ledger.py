"""The commission ledger: freezing the statements of an ended period (`salesperf close-period 2025-Q1`).

Every statement whose plan period lies within the named period (a quarter closes its quarterly plans
and its three months' monthly plans) is copied with its lines and the order lines of its measure into
the `ledger` schema, which dbt reads but never rewrites. The commission marts are then rebuilt (closed
statements become `final`; later differences go to fct_commission_restatements and to restatement lines
in the open period) and the warehouse is republished; salesperf/cli/commissions.py runs those steps under
the write lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from salesperf.serving.periods import Period, within_sql


@dataclass(frozen=True)
class CloseReport:
    period: Period
    statements: int
    lines: int
    payable: str  # total payable frozen, as text with 2 decimals


def freeze_period(build_db, period: Period, as_of: dt.date, *, closed_at: dt.datetime | None = None) -> CloseReport:
    """Write the period's statements, lines and measure lines into the ledger (one transaction)."""
    if period.end >= as_of:
        raise ValueError(
            f"period {period.label} ends on {period.end} and has not ended as of {as_of}: "
            "only ended periods can be closed"
        )
    closed_at = closed_at or dt.datetime.now().replace(microsecond=0)
    con = duckdb.connect(str(build_db))
    try:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'fct_commission_statements'"
        ).fetchone()[0]
        if not exists:
            raise ValueError("no commission statements in the build database: run `salesperf run` first")
        bounds = [period.start, period.end]
        already = con.execute(f"select count(*) from ledger.closed_statements where {within_sql()}", bounds).fetchone()[
            0
        ]
        if already:
            raise ValueError(
                f"period {period.label} is already closed ({already} statements frozen); "
                "a closed period is never changed, differences appear as restatements"
            )
        con.execute("begin transaction")
        try:
            con.execute(
                f"""insert into ledger.closed_statements by name
                select rep_id, plan_id, period_type, period_start, period_label, measure, measure_amount,
                       target_amount, attainment_pct, tier_commission, spif, cap_reduction, override, clawback,
                       adjustments, restatement, payable, ?::timestamp as closed_at, ?::date as closed_as_of
                from marts.fct_commission_statements where {within_sql()}""",
                [closed_at, as_of, *bounds],
            )
            con.execute(
                f"""insert into ledger.closed_lines by name
                select rep_id, plan_id, period_type, period_start, line_id, line_type, order_id, line_no,
                       source_id, source_rep_id, restates_period_start, amount, explanation,
                       ?::timestamp as closed_at
                from marts.fct_commission_lines where {within_sql()}""",
                [closed_at, *bounds],
            )
            con.execute(
                f"""insert into ledger.closed_measure_lines by name
                select m.rep_id, m.plan_id, m.period_type, m.period_start, m.order_id, m.line_no, m.measure_amount,
                       ?::timestamp as closed_at
                from intermediate.int_commission_measure_lines m where {within_sql("m")}""",
                [closed_at, *bounds],
            )
            statements, payable = con.execute(
                f"select count(*), coalesce(sum(payable), 0) from ledger.closed_statements where {within_sql()}", bounds
            ).fetchone()
            lines = con.execute(f"select count(*) from ledger.closed_lines where {within_sql()}", bounds).fetchone()[0]
            if statements == 0:
                raise ValueError(f"no commission statements fall within {period.label}")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    return CloseReport(period, statements, lines, f"{payable:.2f}")
