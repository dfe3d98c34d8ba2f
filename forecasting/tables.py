"""The three output tables in `marts`, with the table and column comments BI users read.

The dbt project reads them as the source `forecasting` (dbt_project/models/staging/forecasting/) and creates them
empty where they do not exist yet (dbt_project/macros/forecasting.sql: keep its columns in step with TABLES).
"""

from __future__ import annotations

import duckdb
import pandas as pd

LEVEL_DOC = "Series level: company, region, product_line, region_product_line or rep."
KEY_DOC = "Series key: '' for company, the region, the product line, 'region / product line', or the rep_id."

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "fct_sales_forecast": (
        "Monthly net sales forecast per series (company, region, product line, region x product line, active "
        "rep) for the months after the last complete month, with prediction intervals. Net sales = net_amount "
        "of completed order lines by order month. The model of each series is the one with the lowest MASE in "
        "a rolling-origin backtest (see fct_forecast_backtest).",
        {
            "level": LEVEL_DOC,
            "key": KEY_DOC,
            "month": "Forecast month (first day).",
            "forecast": "Forecast net sales of the month (CNY), never negative.",
            "lower": "Lower bound of the prediction interval (CNY, interval_level coverage).",
            "upper": "Upper bound of the prediction interval (CNY).",
            "model": "Model published: snaive (seasonal naive), recent_mean (intermittent series), ets / ets_mul / "
            "ets_log (exponential smoothing: additive, multiplicative, on logs), sarimax / sarimax_log (SARIMA with "
            "a Spring Festival regressor, on sales or logs), or combination (mean of the two best in the backtest).",
            "horizon": "Months ahead of the last complete month (1 = the as-of month).",
            "interval_level": "Nominal coverage of [lower, upper], e.g. 0.8.",
            "model_detail": "Model specification, e.g. ETS(M,Ad,M), the Spring Festival coefficient, or the two "
            "models of a combination.",
            "backtest_mase": "Backtest MASE of the published model on this series (NULL: not backtested).",
            "history_months": "Months of history the model was fitted on.",
            "fallback_reason": "Why seasonal naive was published as the fall-back: the other models' failures or "
            "guard rejections on this series (NULL otherwise).",
        },
    ),
    "fct_forecast_backtest": (
        "Rolling-origin backtest per series and model: forecasts from several origins (every backtest_horizon "
        "months back from the last complete month) compared with what happened. MASE is scaled by the "
        "in-sample error of the seasonal naive; below 1 beats it.",
        {
            "level": LEVEL_DOC,
            "key": KEY_DOC,
            "model": "Model backtested (see fct_sales_forecast.model); combination is the mean of the two best.",
            "status": "ok, failed (did not fit or was rejected by the guard) or ineligible (too little history).",
            "origins": "Number of forecast origins.",
            "points": "Number of forecast months compared with actuals.",
            "mase": "Mean absolute scaled error (lower is better).",
            "smape": "Symmetric mean absolute percentage error, 0-200 (%).",
            "mae": "Mean absolute error (CNY).",
            "snaive_mase": "MASE of the seasonal naive baseline on the same months.",
            "snaive_smape": "sMAPE of the seasonal naive baseline on the same months.",
            "relative_mase": "mase / snaive_mase (below 1: better than the baseline).",
            "is_backtest_winner": "True for the model with the lowest MASE on the series.",
            "is_published": "True for the model whose forecast is in fct_sales_forecast.",
            "detail": "Model specification, or the failure reason.",
            "coverage": "Share of the backtest's actual months inside the model's prediction interval (interval_level "
            "nominal; computed for the published model, NULL for the others).",
            "interval_level": "Nominal coverage of the prediction intervals, e.g. 0.8.",
        },
    ),
    "fct_sales_anomalies": (
        "Abnormal months of the monthly net sales series: robust STL decomposition with a Spring Festival "
        "term, residuals scored with a median-absolute-deviation z-score; one row per anomalous month.",
        {
            "level": LEVEL_DOC,
            "key": KEY_DOC,
            "month": "Month (first day).",
            "actual": "Actual net sales of the month (CNY).",
            "expected": "Expected net sales: trend + seasonal + Spring Festival effect (CNY).",
            "score": "Robust z-score of the residual (actual - expected); |score| >= the threshold.",
            "direction": "up (above expected) or down (below expected).",
        },
    ),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(con: duckdb.DuckDBPyConnection, table: str) -> None:
    doc, columns = TABLES[table]
    con.execute(f"comment on table marts.{table} is {_literal(doc)}")
    for column, text in columns.items():
        con.execute(f"comment on column marts.{table}.{column} is {_literal(text)}")


def write_outputs(
    con: duckdb.DuckDBPyConnection,
    *,
    forecasts: pd.DataFrame,
    backtest: pd.DataFrame,
    anomalies: pd.DataFrame,
) -> dict[str, int]:
    """Replace the three tables in one transaction."""
    frames = {"fct_sales_forecast": forecasts, "fct_forecast_backtest": backtest, "fct_sales_anomalies": anomalies}
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists marts")
        for table, frame in frames.items():
            columns = list(TABLES[table][1])
            assert list(frame.columns) == columns, (table, list(frame.columns))
            con.register("_frame", frame)
            casts = ", ".join(
                f"{c}::date as {c}"
                if c == "month"
                else f"{c}::varchar as {c}"
                if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
                else c
                for c in columns
            )  # all-NULL text columns would otherwise get type NULL
            con.execute(f"create or replace table marts.{table} as select {casts} from _frame")
            con.unregister("_frame")
        for table in TABLES:
            _comment(con, table)
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in TABLES}
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts
