"""Plan-year sales potential per unit for the `potential` allocation method (grain: level x key).

A dbt Python model (dbt-duckdb runs it in the dbt process, on the build connection) rather than a Dagster asset
between two dbt steps: the targets are dbt models, and the forecasting asset runs only after the whole dbt
build (it reads the marts). Here the forecast sits inside the one build, upstream of int_target_units, so
`dbt build` alone still produces every target and the rule stays visible in the dbt lineage.

For every unit of the levels whose method is `potential` (plus reps when teams use it: a rep without a team is
weighed with the teams), the monthly actual (net sales less returns recorded in the same month, the attainment
rule) from its first month with sales to the month before history_end is forecast to the plan year's end by
forecasting.potential.plan_year_potential. Units without any sales do not appear: int_target_units gives them
the equal share. Empty when targets.yml is absent or no level uses the method (nothing is fitted then).
"""

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    from threadpoolctl import threadpool_limits

    from forecasting.calendar import month_range, months_between
    from forecasting.potential import plan_year_potential

    policy = dbt.ref("int_target_policy").df()
    allocation = dbt.ref("stg_config__targets_allocation").df()
    actuals = dbt.ref("int_actuals_aggregated")
    columns = {
        "level": "string",
        "key": "string",
        "history_months": "int64",
        "first_month": "datetime64[s]",
        "actual_amount": "float64",
        "forecast_amount": "float64",
        "potential_amount": "float64",
        "model": "string",
        "model_detail": "string",
    }
    levels = set(allocation.loc[allocation["method"] == "potential", "level"])
    if "team" in levels:
        levels.add("rep")
    if policy.empty or not levels:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    plan = policy.iloc[0]
    plan_start, plan_last, history_end = (
        pd.Timestamp(plan[c]).date() for c in ("plan_start", "plan_last_month", "history_end")
    )
    level_list = ", ".join(f"'{level}'" for level in sorted(levels))  # validated names (targets_config.LEVELS)
    rows = actuals.query(
        "a",
        f"""
        select level, key, order_month,
               sum(case when event_type = 'sale' then amount
                        when event_month = order_month then -amount else 0 end)::double as amount
        from a
        where level in ({level_list}) and order_month < date '{history_end.isoformat()}' and key is not null
        group by all
        order by level, key, order_month""",
    ).fetchall()
    series: dict[tuple[str, str], dict] = {}
    for level, key, month, amount in rows:
        series.setdefault((level, key), {})[month] = amount
    out = []
    with threadpool_limits(limits=1):  # tiny fits: BLAS threads would only contend with DuckDB's
        for (level, key), by_month in series.items():
            first = min(by_month)
            months = month_range(first, months_between(first, history_end) - 1)
            values = [by_month.get(m, 0.0) for m in months]
            p = plan_year_potential(values, months, plan_start, plan_last)
            out.append(
                (level, key, len(months), first, p.actual_amount, p.forecast_amount, p.amount, p.model, p.detail)
            )
    frame = pd.DataFrame(out, columns=list(columns))
    return frame.astype(columns)
