"""Scoring replayed risk alerts against the demo generator's ground truth (docs/alerts.md, "Measured quality").

Reads the results database bench/alert_replay.py fills: `alerts` and `projections` per replay date, the final
run's closed-period attainment, reps and customers, and the truth files (`truth_*`). Definitions:

- **customer_churn_risk**: an alert is right when the customer had churned by the replay date (its churn date
  is on or before it). Recall counts the churned customers still worth winning back: churned by the replay date
  with an order in the year before it; `recall_churned_90d` only those churned at least 90 days before.
- **cancellation_spike / visit_drop**: an alert is right when an injected episode of that kind overlaps the 30
  days up to the replay date, for the rep (rep alerts) or any rep of the region (region alerts). Recall counts
  (episode, replay date) pairs overlapping by at least 15 days, found by an alert on the episode's rep.
- **attainment_at_risk**: mid-quarter replays; an alert on a quarter is right when the quarter really ended below
  90 % of target (the final run's closed-quarter attainment). Reps who were not employed from the replay date to
  the quarter's end are left out. AUC: how well the projection ranks the quarters that ended below 90 % (when the
  version publishes its projection for every entity: `projections`).
- **alerts per manager**: open alerts per replay date, assigned to the owner's manager (customer -> owner rep ->
  their manager; rep -> their manager; team -> its manager; region -> its director), averaged over the managers
  and directors employed on the date; company and product-line alerts are counted apart.
"""

from __future__ import annotations

import duckdb

TRUTH_WINDOW_DAYS = 30
RECALL_OVERLAP_DAYS = 15
AT_RISK_SHARE = 0.9

OPEN = "coalesce(status, 'open') <> 'resolved'"


def _ratio(hits: float | None, total: float | None) -> float | None:
    return None if not total else (hits or 0) / total


def _managers_sql() -> str:
    """alert (replay_date, alert_type, entity_type, entity_id) -> manager_id, by the rules in the module doc."""
    return f"""
        with a as (select * from alerts where {OPEN}),
        owner as (
            select a.*, case a.entity_type when 'customer' then c.owner_rep_id when 'rep' then a.entity_id end
                   as owner_rep_id
            from a left join customers c on a.entity_type = 'customer' and c.customer_id = a.entity_id
        )
        select o.replay_date, o.alert_type, o.entity_type, o.entity_id,
               coalesce(
                   case when r.role = 'rep' then r.manager_id else o.owner_rep_id end,
                   (select min(m.rep_id) from reps m where o.entity_type = 'team' and m.role = 'manager'
                       and m.team = o.entity_id and m.hire_date <= o.replay_date
                       and coalesce(m.termination_date, date '9999-12-31') >= o.replay_date),
                   (select min(m.rep_id) from reps m where o.entity_type = 'region' and m.role = 'director'
                       and m.region = o.entity_id)) as manager_id
        from owner o left join reps r on r.rep_id = o.owner_rep_id
    """


def alerts_per_manager(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    rows = con.execute(f"""
        with m as ({_managers_sql()}),
        managers as (
            select d.replay_date, r.rep_id from replays d join reps r
              on r.role in ('manager', 'director') and r.hire_date <= d.replay_date
             and coalesce(r.termination_date, date '9999-12-31') >= d.replay_date
        ),
        rules as (select distinct alert_type from alerts),
        per as (
            select rules.alert_type, managers.replay_date, managers.rep_id, count(m.entity_id) as n
            from rules cross join managers
            left join m on m.alert_type = rules.alert_type and m.replay_date = managers.replay_date
                       and m.manager_id = managers.rep_id
            group by all
        )
        select p.alert_type, avg(p.n), max(p.n),
               (select count(*) from m where m.alert_type = p.alert_type and m.manager_id is null)
                   / (select count(*) from replays)
        from per p group by all""").fetchall()
    return {r[0]: {"per_manager_mean": r[1], "per_manager_max": r[2], "company_wide_per_run": r[3]} for r in rows}


def churn_quality(con: duckdb.DuckDBPyConnection) -> dict[str, float | None]:
    row = con.execute(f"""
        with last_order as (
            select d.replay_date, o.customer_id, max(o.order_date) as last_order
            from replays d join customer_order_days o on o.order_date <= d.replay_date group by all
        ),
        truth as (
            select l.replay_date, l.customer_id, t.churn_date, l.last_order,
                   t.churn_date <= l.replay_date as churned,
                   t.churn_date <= l.replay_date and l.last_order > l.replay_date - 365 as recoverable,
                   t.churn_date <= l.replay_date - 90 and l.last_order > l.replay_date - 365 as recoverable_90
            from last_order l join truth_customers t using (customer_id)
        ),
        a as (select distinct replay_date, entity_id as customer_id from alerts
              where alert_type = 'customer_churn_risk' and {OPEN})
        select count(a.customer_id), count(a.customer_id) filter (where t.churned),
               count(*) filter (where t.recoverable),
               count(*) filter (where t.recoverable and a.customer_id is not null),
               count(*) filter (where t.recoverable_90),
               count(*) filter (where t.recoverable_90 and a.customer_id is not null)
        from truth t full join a using (replay_date, customer_id)""").fetchone()
    alerts, right, positives, found, positives_90, found_90 = row
    # lead time: how long after the truth's churn date the customer was first alerted (negative: before it)
    days_after_churn = con.execute(f"""
        with first_alert as (
            select entity_id as customer_id, min(replay_date) as first_alerted from alerts
            where alert_type = 'customer_churn_risk' and {OPEN} group by 1
        )
        select median(datediff('day', t.churn_date, f.first_alerted))
        from first_alert f join truth_customers t using (customer_id)
        where t.churn_date <= f.first_alerted""").fetchone()[0]
    return {
        "median_days_after_churn": days_after_churn,
        "alerts": alerts,
        "precision": _ratio(right, alerts),
        "recall": _ratio(found, positives),
        "positives": positives,
        "recall_churned_90d": _ratio(found_90, positives_90),
    }


def episode_quality(con: duckdb.DuckDBPyConnection, alert_type: str) -> dict[str, float | None]:
    """cancellation_spike or visit_drop against the injected episodes of the same kind."""
    overlap = f"""greatest(0, datediff('day', greatest(e.start_date, d.replay_date - {TRUTH_WINDOW_DAYS - 1}),
                                      least(e.end_date, d.replay_date)) + 1)"""
    row = con.execute(
        f"""
        with e as (select * from truth_anomalies where kind = ?),
        active as (
            select d.replay_date, e.anomaly_id, e.rep_id, e.region, {overlap} as overlap_days
            from replays d cross join e
        ),
        a as (select * from alerts where alert_type = ? and {OPEN}),
        judged as (
            select a.replay_date, a.entity_type, a.entity_id,
                   exists (select 1 from active x where x.replay_date = a.replay_date and x.overlap_days > 0
                           and ((a.entity_type = 'rep' and x.rep_id = a.entity_id)
                                or (a.entity_type = 'region' and x.region = a.entity_id))) as is_right
            from a
        ),
        cases as (
            select x.*, exists (select 1 from a where a.replay_date = x.replay_date and a.entity_type = 'rep'
                                and a.entity_id = x.rep_id) as found
            from active x where x.overlap_days >= {RECALL_OVERLAP_DAYS}
        )
        select (select count(*) from judged), (select count(*) filter (where is_right) from judged),
               (select count(*) filter (where not is_right) from judged),
               (select count(*) from cases), (select count(*) filter (where found) from cases),
               (select count(*) from e)""",
        [alert_type, alert_type],  # the injected kind has the rule's name
    ).fetchone()
    alerts, right, false_alerts, cases, found, episodes = row
    # lead time: days from the episode's start to the replay date that found it (the replays are the only clock)
    days_after_start = con.execute(
        f"""
        select median(datediff('day', e.start_date, a.replay_date))
        from truth_anomalies e join alerts a on a.alert_type = e.kind and a.entity_type = 'rep'
          and a.entity_id = e.rep_id and {OPEN}
          and a.replay_date between e.start_date and e.end_date + {TRUTH_WINDOW_DAYS - 1}
        where e.kind = ?""",
        [alert_type],
    ).fetchone()[0]
    return {
        "median_days_after_start": days_after_start,
        "alerts": alerts,
        "precision": _ratio(right, alerts),
        "false_alerts": false_alerts,
        "recall": _ratio(found, cases),
        "recall_cases": cases,
        "episodes_injected": episodes,
    }


def _auc(con: duckdb.DuckDBPyConnection, column: str, level: str) -> float | None:
    """P(projection of a quarter that ended below 90 % < projection of one that did not); ties count half."""
    row = con.execute(f"""
        with p as (
            select p.{column} as score, f.attainment_pct < {AT_RISK_SHARE} as positive
            from projections p join final_attainment f
              on f.period_type = p.period_type and f.period_start = p.period_start and f.level = p.level
             and f.key = p.key
            where p.period_type = 'quarter' and p.level = '{level}' and p.{column} is not null
              and p.period_start = date_trunc('quarter', p.replay_date)
        )
        select avg(case when a.score < b.score then 1.0 when a.score = b.score then 0.5 else 0.0 end)
        from p a join p b on a.positive and not b.positive""").fetchone()
    return row[0]


def attainment_quality(con: duckdb.DuckDBPyConnection, level: str = "rep") -> dict[str, float | None]:
    level_filter = "" if level == "all" else f"and f.level = '{level}'"
    row = con.execute(f"""
        with population as (
            select d.replay_date, f.level, f.key, f.attainment_pct < {AT_RISK_SHARE} as positive,
                   f.attainment_pct
            from replays d join final_attainment f
              on f.period_type = 'quarter' and f.period_start = date_trunc('quarter', d.replay_date)
            left join reps r on f.level = 'rep' and r.rep_id = f.key
            where (f.level <> 'rep' or (r.hire_date <= d.replay_date
                   and coalesce(r.termination_date, date '9999-12-31') >= f.period_end)) {level_filter}
        ),
        a as (
            select replay_date, entity_type as level, entity_id as key, metric_value from alerts
            where alert_type = 'attainment_at_risk' and period_type = 'quarter' and {OPEN}
              and period_start = date_trunc('quarter', replay_date)
        )
        select count(a.key), count(a.key) filter (where p.positive), count(*) filter (where p.positive),
               count(*), avg(p.positive::int)
        from population p left join a using (replay_date, level, key)""").fetchone()
    alerts, right, positives, population, base_rate = row
    # lead time: days from the replay to the end of the quarter it rightly flagged
    days_before_end = con.execute(f"""
        select median(datediff('day', a.replay_date, f.period_end))
        from alerts a join final_attainment f
          on f.period_type = 'quarter' and f.period_start = a.period_start and f.level = a.entity_type
         and f.key = a.entity_id
        where a.alert_type = 'attainment_at_risk' and a.period_type = 'quarter' and {OPEN}
          and a.period_start = date_trunc('quarter', a.replay_date) and f.attainment_pct < {AT_RISK_SHARE}
          {level_filter.replace("f.level", "a.entity_type")}""").fetchone()[0]
    out = {
        "median_days_before_period_end": days_before_end,
        "alerts": alerts,
        "precision": _ratio(right, alerts),
        "recall": _ratio(right, positives),
        "population": population,
        "ended_below_90pct": base_rate,
    }
    if level != "all" and con.execute("select count(*) from projections").fetchone()[0]:
        out["auc_projection"] = _auc(con, "projected_pct", level)
        out["auc_plain_run_rate"] = _auc(con, "plain_run_rate_pct", level)
        out["auc_forecast"] = _auc(con, "forecast_pct", level)
        out["bias_points"], out["bias_points_plain_run_rate"] = con.execute(f"""
            select 100 * avg(p.projected_pct - f.attainment_pct), 100 * avg(p.plain_run_rate_pct - f.attainment_pct)
            from projections p join final_attainment f
              on f.period_type = p.period_type and f.period_start = p.period_start and f.level = p.level
             and f.key = p.key
            where p.period_type = 'quarter' and p.level = '{level}'
              and p.period_start = date_trunc('quarter', p.replay_date)""").fetchone()
    return out


def reps_alerted(con: duckdb.DuckDBPyConnection, alert_type: str) -> list[dict]:
    """Per replay date: reps with an open alert of `alert_type` out of the reps (role rep) employed that day."""
    rows = con.execute(
        f"""
        with employed as (
            select d.replay_date, count(r.rep_id) as reps from replays d
            left join reps r on r.role = 'rep' and r.hire_date <= d.replay_date
             and coalesce(r.termination_date, date '9999-12-31') >= d.replay_date
            group by 1
        ),
        alerted as (
            select replay_date, count(distinct entity_id) as alerted from alerts
            where alert_type = ? and entity_type = 'rep' and {OPEN} group by 1
        )
        select e.replay_date, coalesce(a.alerted, 0), e.reps
        from employed e left join alerted a using (replay_date) order by 1""",
        [alert_type],
    ).fetchall()
    return [{"replay_date": str(d), "reps_alerted": n, "reps": of} for d, n, of in rows]


def generator_agreement(con: duckdb.DuckDBPyConnection) -> float | None:
    """Share of closed rep quarters where the generator's booked sales and the warehouse agree on 'below 90 %'."""
    return con.execute(f"""
        select avg(((t.booked_net_amount / t.target_amount < {AT_RISK_SHARE})
                    = (f.attainment_pct < {AT_RISK_SHARE}))::int)
        from truth_rep_quarters t join final_attainment f
          on f.level = 'rep' and f.key = t.rep_id and f.period_type = 'quarter' and f.period_start = t.quarter_start
        where t.is_closed and t.target_amount > 0""").fetchone()[0]


def score(results_db) -> dict[str, dict]:
    """Every rule's figures from the results database (path)."""
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        per_manager = alerts_per_manager(con)
        rules: dict[str, dict] = {
            "customer_churn_risk": churn_quality(con),
            "cancellation_spike": episode_quality(con, "cancellation_spike"),
            "visit_drop": episode_quality(con, "visit_drop"),
            "attainment_at_risk": attainment_quality(con, "rep"),
            "attainment_at_risk (all levels)": attainment_quality(con, "all"),
        }
        for level in ("team", "region"):
            rules[f"attainment_at_risk ({level})"] = attainment_quality(con, level)
        replays = con.execute("select count(*) from replays").fetchone()[0]
        for alert_type, n in con.execute(f"select alert_type, count(*) from alerts where {OPEN} group by 1").fetchall():
            rules.setdefault(alert_type, {"alerts": n})
        rules.setdefault("thin_pipeline", {})["reps_alerted_per_replay"] = reps_alerted(con, "thin_pipeline")
        for name, figures in rules.items():
            base = name.split(" ")[0]
            figures.update(per_manager.get(base, {}) if name == base else {})
            figures["alerts_per_run"] = (figures.get("alerts") or 0) / replays if replays else None
        rules["_meta"] = {
            "replays": replays,
            "replay_dates": [str(d) for (d,) in con.execute("select replay_date from replays order by 1").fetchall()],
            "generator_agreement_rep_quarters": generator_agreement(con),
        }
        return rules
    finally:
        con.close()
