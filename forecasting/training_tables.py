"""marts.fct_training_effect: the training estimates (forecasting/training_effect.py) with the verdict rule.

Reads intermediate.int_training_panel and int_training_assessments (built by dbt) and the settings
(staging.stg_config__process_settings), fits, and replaces the mart in one transaction with the table and
column comments BI users read. The verdict is a business rule, so it is SQL (VERDICT_SQL), over the estimates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import pandas as pd

from forecasting.training_effect import ESTIMATE_COLUMNS, estimate_all

VERDICT_SQL = """
select
    e.analysis, e.group_type, e.group_id, e.group_name, e.topic, e.metric,
    e.effect,
    e.ci_lower,
    e.ci_upper,
    e.p_value,
    e.p_value_adjusted,
    case when e.analysis = 'did' and e.treated_pre_mean <> 0 then e.effect / abs(e.treated_pre_mean) end
        as relative_effect,
    case when e.analysis = 'did' and e.treated_pre_mean <> 0 then e.ci_lower / abs(e.treated_pre_mean) end
        as relative_ci_lower,
    case when e.analysis = 'did' and e.treated_pre_mean <> 0 then e.ci_upper / abs(e.treated_pre_mean) end
        as relative_ci_upper,
    e.treated_reps::integer as treated_reps,
    e.control_reps::integer as control_reps,
    e.observations::integer as observations,
    e.treated_pre_mean,
    e.treated_post_mean,
    e.control_mean,
    s.training_confidence as confidence,
    case
        when e.effect is null
          or e.treated_reps < s.training_min_reps
          or (e.analysis = 'did' and e.control_reps < s.training_min_reps) then 'not enough data'
        when e.p_value_adjusted < 1 - s.training_confidence and e.effect > 0 then 'positive'
        when e.p_value_adjusted < 1 - s.training_confidence and e.effect < 0 then 'negative'
        else 'no significant effect'
    end as verdict,
    e.method,
    $as_of::date as as_of_date
from estimates e cross join staging.stg_config__process_settings s
order by e.analysis desc, e.group_type, e.group_id, e.metric
"""

TABLE_DOC = (
    "Training effectiveness (培训效果评估) per course and per topic: the change in trained reps' monthly net sales, "
    "win rate and attainment from the months before completion to the months after, against untrained reps over "
    "the same calendar months (analysis did: difference in differences, OLS with rep and month fixed effects, "
    "errors clustered by rep); and per course the slope of later attainment on the assessment score "
    "(analysis assessment). docs/process_analytics.md."
)

COLUMN_DOCS: dict[str, str] = {
    "analysis": "did (difference in differences) or assessment (assessment score against later attainment).",
    "group_type": "course or topic (a rep's first completed course of the topic).",
    "group_id": "course_id, or the topic.",
    "group_name": "Course name, or the topic.",
    "topic": "Topic of the course.",
    "metric": "net_sales (CNY per month), win_rate (won / closed deals of the month) or attainment (actual / "
    "target of the month).",
    "effect": "did: change of the metric caused by the training, per rep-month, in the metric's unit; assessment: "
    "change of later attainment per 10 assessment points. NULL without an estimate.",
    "ci_lower": "Lower bound of the effect's confidence interval (confidence column).",
    "ci_upper": "Upper bound of the effect's confidence interval.",
    "p_value": "Two-sided p-value of effect = 0 (t with reps - 1 degrees of freedom for did).",
    "p_value_adjusted": "p_value adjusted for the number of tests of the run (Holm, within analysis x group_type): "
    "what the verdict uses.",
    "relative_effect": "did: effect / the trained reps' mean before completion (0.2 = +20%).",
    "relative_ci_lower": "did: ci_lower / the trained reps' mean before completion.",
    "relative_ci_upper": "did: ci_upper / the trained reps' mean before completion.",
    "treated_reps": "did: trained reps with an observed month before and after completion; assessment: reps "
    "with a score and later attainment.",
    "control_reps": "did: untrained reps with at least two observed months in the same calendar months.",
    "observations": "Rep-months (did) or reps (assessment) in the fit.",
    "treated_pre_mean": "Trained reps' mean of the metric in the months before completion.",
    "treated_post_mean": "Trained reps' mean after completion (assessment: mean later attainment).",
    "control_mean": "Untrained reps' mean over the same months.",
    "confidence": "Confidence level of the interval (process.yml training.confidence).",
    "verdict": "positive / negative (p_value_adjusted below 1 - confidence), no significant effect, or not enough "
    "data (no estimate, or fewer than training.min_reps trained or untrained reps).",
    "method": "How the effect was estimated.",
    "as_of_date": "As-of date of the run.",
}


@dataclass(frozen=True)
class TrainingResult:
    rows: int
    groups: int
    seconds: float
    verdicts: dict[str, int]


def _comment(con: duckdb.DuckDBPyConnection) -> None:
    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    con.execute(f"comment on table marts.fct_training_effect is {literal(TABLE_DOC)}")
    for column, text in COLUMN_DOCS.items():
        con.execute(f"comment on column marts.fct_training_effect.{column} is {literal(text)}")


def write_training_effect(con: duckdb.DuckDBPyConnection, as_of) -> TrainingResult:
    """Fit every group and replace marts.fct_training_effect (the dbt models must have been built)."""
    started = time.perf_counter()
    confidence, min_reps = con.execute(
        "select training_confidence, training_min_reps from staging.stg_config__process_settings"
    ).fetchone()
    panel = con.execute(
        "select group_type, group_id, group_name, topic, rep_id, month_start, trained, is_post, "
        "net_sales, win_rate, attainment from intermediate.int_training_panel "
        "order by group_type, group_id, rep_id, month_start"
    ).df()
    assessments = con.execute(
        "select course_id, course_name, topic, rep_id, assessment_score, later_attainment "
        "from intermediate.int_training_assessments order by course_id, rep_id"
    ).df()
    estimates = estimate_all(panel, assessments, confidence=float(confidence), min_reps=2)
    assert list(estimates.columns) == list(ESTIMATE_COLUMNS)
    if estimates.empty:  # typed empty frame: DuckDB cannot type all-NULL object columns
        estimates = pd.DataFrame({c: pd.Series(dtype="float64" if c not in _TEXT else "str") for c in ESTIMATE_COLUMNS})
    # 12 significant digits: the panel's sums reach the fits in whatever order DuckDB's threads added them, so the
    # last bits of an estimate can differ between two runs on the same data; a re-run must change nothing.
    for column in ESTIMATE_COLUMNS:
        if column not in _TEXT:
            estimates[column] = estimates[column].map(lambda v: float(f"{v:.12g}") if pd.notna(v) else v)
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists marts")
        con.register("estimates_frame", estimates)
        casts = ", ".join(f"{c}::varchar as {c}" if c in _TEXT else f"{c}::double as {c}" for c in ESTIMATE_COLUMNS)
        con.execute(f"create or replace temp table estimates as select {casts} from estimates_frame")
        con.unregister("estimates_frame")
        con.execute(f"create or replace table marts.fct_training_effect as {VERDICT_SQL}", {"as_of": as_of})
        _comment(con)
        verdicts = dict(con.execute("select verdict, count(*) from marts.fct_training_effect group by 1").fetchall())
        rows = con.execute("select count(*) from marts.fct_training_effect").fetchone()[0]
        con.execute("drop table estimates")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    groups = int(panel[["group_type", "group_id"]].drop_duplicates().shape[0]) if not panel.empty else 0
    return TrainingResult(rows, groups, time.perf_counter() - started, verdicts)


_TEXT = {"analysis", "group_type", "group_id", "group_name", "topic", "metric", "method"}
