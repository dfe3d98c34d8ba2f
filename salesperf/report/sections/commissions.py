"""Commissions, the finance view: payable by period and region, top earners, effective rate, restatements."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, Section
from salesperf.report.source import Context

UNASSIGNED = "未分配"  # CONTRACT.md: a rep's region defaults to 未分配

# Statements join their rep's current region; a statement counts in its quarter and its year (a yearly
# statement only in its year), so the page's period filter can pick either.
ROLLED = f"""
with statements as (
    select s.*, coalesce(r.region, '{UNASSIGNED}') as region,
           coalesce(r.rep_name, s.rep_id) || ' ' || s.rep_id as label,
           case s.period_type when 'year' then [strftime(s.period_start, '%Y')]
                else [strftime(s.period_start, '%Y') || '-Q' || quarter(s.period_start), strftime(s.period_start, '%Y')]
           end as periods
    from marts.fct_commission_statements s
    left join marts.dim_rep r on r.rep_id = s.rep_id
    where year(s.period_start) between $first_year and $last_year
),
rolled as (select *, unnest(periods) as period_label_rolled from statements)
"""

# Payable per quarter (monthly statements summed into their quarter; a yearly plan's statements under
# their year) and region.
PAYABLE_SQL = f"""
select case s.period_type when 'year' then strftime(s.period_start, '%Y')
            else strftime(s.period_start, '%Y') || '-Q' || quarter(s.period_start) end as period_label,
       year(s.period_start) as year, coalesce(r.region, '{UNASSIGNED}') as region,
       sum(s.payable) as payable, sum(s.measure_amount) as measure, count(*) as statements
from marts.fct_commission_statements s
left join marts.dim_rep r on r.rep_id = s.rep_id
where year(s.period_start) between $first_year and $last_year
group by all
order by period_label, region
"""

EARNERS_SQL = f"""{ROLLED}
select period_label_rolled as period_label, rep_id, label, region,
       sum(measure_amount) as measure, sum(tier_commission) as tier_commission, sum(spif) as spif,
       sum(override) as override, sum(clawback) as clawback, sum(adjustments) as adjustments,
       sum(payable) as payable
from rolled
group by all
order by period_label, payable desc, rep_id
"""

RATE_SQL = f"""{ROLLED}
select period_label_rolled as period_label, region, sum(payable) as payable, sum(measure_amount) as measure,
       sum(payable) / nullif(sum(measure_amount), 0) as effective_rate
from rolled
group by all
order by period_label, region
"""

RESTATEMENTS_SQL = f"""
select x.rep_id, coalesce(r.rep_name, x.rep_id) || ' ' || x.rep_id as label,
       coalesce(r.region, '{UNASSIGNED}') as region,
       x.plan_id, x.period_label, x.before_payable, x.after_payable, x.open_difference, x.changed_row_count
from marts.fct_commission_restatements x
left join marts.dim_rep r on r.rep_id = x.rep_id
order by x.period_start, x.rep_id, x.plan_id
"""


def regions(ctx: Context) -> tuple[str, ...]:
    rows = ctx.con.execute(f"select distinct coalesce(region, '{UNASSIGNED}') from marts.dim_rep order by 1").fetchall()
    return tuple(r[0] for r in rows)


def payable_blocks(ctx: Context) -> tuple[Block, ...]:
    return (
        Block(
            "payable",
            "blk_payable",
            "commission_payable",
            (
                Field("period_label", "period"),
                Field("region", "region"),
                Field("measure", "measure", "money"),
                Field("payable", "payable", "money"),
                Field("statements", "statements", "int"),
            ),
            chart=Chart("bar", "period_label", ("payable",), stack=True, split_by="region", split_values=regions(ctx)),
            filters=Filters(year="year", region="region"),
        ),
    )


SECTION = Section(
    "commissions",
    "sec_commissions",
    (
        Part("commission_payable", ("fct_commission_statements", "dim_rep"), PAYABLE_SQL, payable_blocks),
        Part(
            "commission_earners",
            ("fct_commission_statements", "dim_rep"),
            EARNERS_SQL,
            (
                Block(
                    "top_earners",
                    "blk_top_earners",
                    "commission_earners",
                    (
                        Field("label", "rep"),
                        Field("region", "region"),
                        Field("measure", "measure", "money"),
                        Field("payable", "payable", "money"),
                    ),
                    chart=Chart("hbar", "label", ("payable",), height=0),
                    filters=Filters(period="period_label", region="region"),
                    sort=("payable", "desc"),
                    limit=15,
                ),
            ),
        ),
        Part(
            "commission_rate",
            ("fct_commission_statements", "dim_rep"),
            RATE_SQL,
            (
                Block(
                    "effective_rate",
                    "blk_effective_rate",
                    "commission_rate",
                    (
                        Field("region", "region"),
                        Field("measure", "measure", "money"),
                        Field("payable", "payable", "money"),
                        Field("effective_rate", "effective_rate", "pct"),
                    ),
                    chart=Chart("bar", "region", ("effective_rate",), fmt="pct"),
                    filters=Filters(period="period_label", region="region"),
                    sort=("effective_rate", "desc"),
                ),
            ),
        ),
        Part(
            "restatements",
            ("fct_commission_restatements", "dim_rep"),
            RESTATEMENTS_SQL,
            (
                Block(
                    "restatements",
                    "blk_restatements",
                    "restatements",
                    (
                        Field("label", "rep"),
                        Field("plan_id", "plan"),
                        Field("period_label", "period"),
                        Field("before_payable", "before_payable", "money"),
                        Field("after_payable", "after_payable", "money"),
                        Field("open_difference", "open_difference", "money"),
                        Field("changed_row_count", "changed_rows", "int"),
                    ),
                    filters=Filters(region="region"),
                ),
            ),
        ),
    ),
)
