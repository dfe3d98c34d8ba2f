"""Regions, teams and reps: attainment rankings, leaderboard with scorecard, changes, fairness, difficulty."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.labels import LABELS
from salesperf.report.sections import Part, Section, in_window
from salesperf.report.source import Context

# A team's region: the region most of its reps are in (dim_rep, current assignment).
TEAM_REGION = "(select team, mode(region) as region from marts.dim_rep where team is not null group by team)"
REP_LABEL = "coalesce(r.rep_name, {key}) || ' ' || {key}"  # names repeat; the id keeps a bar per rep

ATTAINMENT_SQL = f"""
select a.level, a.key,
       case a.level when 'rep' then {REP_LABEL.format(key="a.key")} else a.key end as label,
       case a.level when 'region' then a.key when 'team' then t.region else r.region end as region,
       a.period_label, a.period_status as status,
       a.actual_amount as actual, a.target_amount as target, a.attainment_pct as attainment,
       a.projected_attainment_pct as projected_attainment, a.gap_amount as gap
from marts.fct_attainment a
left join marts.dim_rep r on a.level = 'rep' and r.rep_id = a.key
left join {TEAM_REGION} t on a.level = 'team' and t.team = a.key
where a.level in ('region', 'team', 'rep') and {in_window("a")}
  and (a.actual_amount <> 0 or coalesce(a.target_amount, 0) <> 0)
order by a.level, a.period_start, a.key
"""

COMPARISON_SQL = f"""
select c.level, c.key,
       case c.level when 'region' then c.key when 'team' then c.parent_key end as region,
       c.period_label, c.actual_amount as actual,
       c.previous_period_base_amount as previous_base, c.pop_change_pct as pop_change,
       c.last_year_base_amount as last_year_base, c.yoy_change_pct as yoy_change, c.share_of_parent as share
from marts.fct_sales_comparison c
where c.level in ('region', 'team', 'product_line') and {in_window("c")}
order by c.level, c.period_start, c.key
"""

FAIRNESS_SQL = f"""
select scope_key as scope, case scope_level when 'region' then scope_key else '' end as region, period_label,
       reps_with_target, share_at_or_above_target as share_at_target,
       p10_attainment as p10, p25_attainment as p25, median_attainment, p75_attainment as p75,
       p90_attainment as p90, gini_attainment as gini
from marts.fct_target_fairness
where scope_level in ('company', 'region') and {in_window()}
order by period_start, scope_level, scope_key
"""

DIFFICULTY_SQL = f"""
select key, period_label, target_amount as target, last_year_actual_amount as last_year,
       difficulty_ratio, relative_difficulty_pct as relative_difficulty,
       period_assessment as assessment, difficulty_flag
from marts.fct_target_difficulty
where level = 'region' and {in_window()}
order by period_start, key
"""


def kpis(ctx: Context) -> list[str]:
    """The scorecards' KPIs in scorecard.yml order."""
    rows = ctx.con.execute("select kpi from marts.fct_kpi_scorecard group by kpi order by min(kpi_position), kpi")
    return [r[0] for r in rows.fetchall()]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def leaderboard_sql(ctx: Context) -> str:
    scores = "".join(
        f", max(k.score) filter (where k.kpi = '{kpi.replace(chr(39), chr(39) * 2)}') as {_ident('kpi_' + kpi)}"
        for kpi in kpis(ctx)
    )
    return f"""
select l.period_label, l.rep_id, {REP_LABEL.format(key="l.rep_id")} as label, l.role, l.team, l.region,
       l.total_score, l.rank_in_region, l.rank_in_team{scores}
from marts.fct_leaderboard l
left join marts.dim_rep r on r.rep_id = l.rep_id
left join marts.fct_kpi_scorecard k
  on k.period_type = l.period_type and k.period_start = l.period_start and k.rep_id = l.rep_id
where {in_window("l")}
group by all
order by l.period_label, l.total_score desc nulls last, l.rep_id
"""


def leaderboard_blocks(ctx: Context) -> tuple[Block, ...]:
    kpi_fields = tuple(
        Field("kpi_" + kpi, "kpi_" + kpi if "kpi_" + kpi in LABELS else kpi, "score") for kpi in kpis(ctx)
    )
    fields = (
        Field("label", "rep"),
        Field("team", "team"),
        Field("region", "region"),
        Field("total_score", "total_score", "score"),
        Field("rank_in_region", "rank_in_region", "int"),
        Field("rank_in_team", "rank_in_team", "int"),
        *kpi_fields,
    )
    chart = Chart("hbar", "label", ("total_score",), fmt="score", mark=1.0, height=0)
    return (
        Block(
            "leaderboard",
            "blk_leaderboard",
            "leaderboard",
            fields,
            chart=chart,
            where={"role": "rep"},
            filters=Filters(period="period_label", region="region"),
            sort=("total_score", "desc"),
            limit=20,
        ),
    )


ATT_FIELDS = (
    Field("label", "rep"),
    Field("actual", "actual", "money"),
    Field("target", "target", "money"),
    Field("attainment", "attainment", "pct"),
    Field("projected_attainment", "projected_attainment", "pct"),
    Field("gap", "gap", "money"),
)
ATT_VALUES = ("attainment", "projected_attainment")
CHANGE_FIELDS = (
    Field("key", "region"),
    Field("actual", "actual", "money"),
    Field("previous_base", "previous_base", "money"),
    Field("pop_change", "pop_change", "signed_pct"),
    Field("last_year_base", "last_year_base", "money"),
    Field("yoy_change", "yoy_change", "signed_pct"),
)
PERIOD = Filters(period="period_label")
PERIOD_REGION = Filters(period="period_label", region="region")


def _unit_fields(fields: tuple[Field, ...], label: str) -> tuple[Field, ...]:
    return (Field(fields[0].name, label), *fields[1:])


SECTION = Section(
    "org",
    "sec_org",
    (
        Part(
            "attainment_units",
            ("fct_attainment", "dim_rep"),
            ATTAINMENT_SQL,
            (
                Block(
                    "region_att",
                    "blk_region_att",
                    "attainment_units",
                    _unit_fields(ATT_FIELDS, "region"),
                    chart=Chart("bar", "label", ATT_VALUES, fmt="pct", mark=1.0),
                    where={"level": "region"},
                    filters=PERIOD,
                    sort=("projected_attainment", "desc"),
                    notes=("not_filtered_region",),
                ),
                Block(
                    "team_att",
                    "blk_team_att",
                    "attainment_units",
                    _unit_fields(ATT_FIELDS, "team"),
                    chart=Chart("bar", "label", ATT_VALUES, fmt="pct", mark=1.0),
                    where={"level": "team"},
                    filters=PERIOD_REGION,
                    sort=("projected_attainment", "desc"),
                ),
                Block(
                    "rep_att",
                    "blk_rep_att",
                    "attainment_units",
                    ATT_FIELDS,
                    chart=Chart("hbar", "label", ATT_VALUES, fmt="pct", mark=1.0, height=0),
                    where={"level": "rep"},
                    filters=PERIOD_REGION,
                    sort=("projected_attainment", "asc"),
                    limit=25,
                ),
            ),
        ),
        Part(
            "leaderboard",
            ("fct_leaderboard", "fct_kpi_scorecard", "dim_rep"),
            leaderboard_sql,
            leaderboard_blocks,
        ),
        Part(
            "comparison_units",
            ("fct_sales_comparison",),
            COMPARISON_SQL,
            (
                Block(
                    "region_change",
                    "blk_region_change",
                    "comparison_units",
                    CHANGE_FIELDS,
                    chart=Chart("bar", "key", ("pop_change", "yoy_change"), fmt="signed_pct"),
                    where={"level": "region"},
                    filters=PERIOD,
                    notes=("not_filtered_region",),
                ),
                Block(
                    "team_change",
                    "blk_team_change",
                    "comparison_units",
                    _unit_fields(CHANGE_FIELDS, "team"),
                    chart=Chart("bar", "key", ("pop_change", "yoy_change"), fmt="signed_pct"),
                    where={"level": "team"},
                    filters=PERIOD_REGION,
                ),
            ),
        ),
        Part(
            "fairness",
            ("fct_target_fairness",),
            FAIRNESS_SQL,
            (
                Block(
                    "fairness",
                    "blk_fairness",
                    "fairness",
                    (
                        Field("scope", "region", "scope"),
                        Field("reps_with_target", "reps_with_target", "int"),
                        Field("share_at_target", "share_at_target", "pct"),
                        Field("p10", "p10", "pct"),
                        Field("p25", "p25", "pct"),
                        Field("median_attainment", "median_attainment", "pct"),
                        Field("p75", "p75", "pct"),
                        Field("p90", "p90", "pct"),
                        Field("gini", "gini", "score"),
                    ),
                    chart=Chart(
                        "boxplot",
                        "scope",
                        ("p10", "p25", "median_attainment", "p75", "p90"),
                        fmt="pct",
                        mark=1.0,
                        category_fmt="scope",
                    ),
                    filters=PERIOD_REGION,
                ),
            ),
        ),
        Part(
            "difficulty",
            ("fct_target_difficulty",),
            DIFFICULTY_SQL,
            (
                Block(
                    "difficulty",
                    "blk_difficulty",
                    "difficulty",
                    (
                        Field("key", "region"),
                        Field("target", "target", "money"),
                        Field("last_year", "last_year", "money"),
                        Field("difficulty_ratio", "difficulty_ratio", "score"),
                        Field("relative_difficulty", "relative_difficulty", "signed_pct"),
                        Field("assessment", "assessment", "enum"),
                        Field("difficulty_flag", "difficulty_flag", "enum"),
                    ),
                    chart=Chart("bar", "key", ("relative_difficulty",), fmt="signed_pct"),
                    filters=PERIOD,
                    sort=("relative_difficulty", "desc"),
                    notes=("not_filtered_region",),
                ),
            ),
        ),
    ),
)
