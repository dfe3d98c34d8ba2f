"""Forecasts, backtests and anomalies (the `forecasting` package) as one thin multi-asset.

Read the series from the build database (aggregated in DuckDB), close it, fit in worker processes, then
write the three tables in one short transaction. The write lock is held throughout so the marts read are
the marts the tables describe. The risk alerts are dbt models downstream of these tables (source
`forecasting`, orchestration/assets/dbt.py: the second dbt selection).
"""

# No `from __future__ import annotations` here: Dagster inspects the `context` annotation at definition time.

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import FULL_REBUILD_TAG
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings

FORECAST_KEY = AssetKey(["marts", "fct_sales_forecast"])
BACKTEST_KEY = AssetKey(["marts", "fct_forecast_backtest"])
ANOMALIES_KEY = AssetKey(["marts", "fct_sales_anomalies"])
FORECASTING_KEYS = [FORECAST_KEY, BACKTEST_KEY, ANOMALIES_KEY]

_SALES_DEPS = [AssetKey(["marts", "fct_sales"]), AssetKey(["marts", "dim_rep"])]
_CONFIG_DEP = AssetKey(["config", "forecasting"])


@multi_asset(
    specs=[
        AssetSpec(
            FORECAST_KEY,
            deps=[*_SALES_DEPS, _CONFIG_DEP],
            group_name="forecasting",
            kinds={"duckdb"},
            description="Monthly net sales forecast with prediction intervals per series (company, region, "
            "product line, region x product line, rep); model chosen per series by backtest.",
        ),
        AssetSpec(
            BACKTEST_KEY,
            deps=[*_SALES_DEPS, _CONFIG_DEP],
            group_name="forecasting",
            kinds={"duckdb"},
            description="Rolling-origin backtest: MASE and sMAPE per series and model vs seasonal naive.",
        ),
        AssetSpec(
            ANOMALIES_KEY,
            deps=[*_SALES_DEPS, _CONFIG_DEP],
            group_name="forecasting",
            kinds={"duckdb"},
            description="Anomalous months: robust STL + Spring Festival term, MAD z-score.",
        ),
    ],
    pool=BUILD_DB_POOL,
)
def forecasting_tables(
    context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
) -> Iterator[MaterializeResult]:
    from forecasting.run import fit_all
    from forecasting.series import load_series
    from forecasting.tables import write_outputs
    from salesperf.config.files import load_config
    from salesperf.config.forecasting import ForecastingConfig

    cfg = settings.resolve()
    config = load_config(cfg.config_dir / "forecasting.yml", ForecastingConfig) or ForecastingConfig()
    with step_lock(context, cfg.build_dir):
        with build_db.get_connection() as con:
            series = load_series(con, cfg.as_of, config.forecast.levels)
        # no connection open while fitting; unchanged series reuse their fit (forecasting/cache.py)
        out = fit_all(
            series,
            config,
            cache_path=cfg.build_dir / "forecast_cache.pkl",
            refit_all=context.run.tags.get(FULL_REBUILD_TAG, "").lower() in ("1", "true", "yes"),
        )
        with build_db.get_connection() as con:
            counts = write_outputs(
                con,
                forecasts=out.forecasts,
                backtest=out.backtest,
                anomalies=out.anomalies,
            )
    ok = out.backtest[out.backtest["status"] == "ok"]
    summary = ok.groupby(["level", "model"])[["mase", "smape"]].median().round(3).reset_index()
    table_md = "\n".join(
        ["| level | model | median MASE | median sMAPE |", "|---|---|---:|---:|"]
        + [f"| {r.level} | {r.model} | {r.mase} | {r.smape} |" for r in summary.itertuples()]
    )
    context.log.info(
        f"forecast {out.series} series in {out.seconds:.1f} s ({out.refit} refitted, {out.reused} unchanged); "
        f"{out.convergence_warnings} convergence warnings; tables {counts}"
    )
    yield MaterializeResult(
        asset_key=FORECAST_KEY,
        metadata={
            "rows": counts["fct_sales_forecast"],
            "series": out.series,
            "series_refit": out.refit,
            "series_reused": out.reused,
            "series_refit_by_level": MetadataValue.json(out.refit_by_level or {}),
            "why_refit": "a series is refitted when its closed months, the settings or the forecasting code changed "
            "since the last run (or on salesperf run --full)",
            "fit_seconds": round(out.seconds, 2),
            "series_per_second": round(out.series / out.seconds, 2) if out.seconds else None,
            "convergence_warnings": out.convergence_warnings,
            "series_with_convergence_warnings": out.series_with_convergence_warnings,
            "fallbacks": out.fallbacks,
            "model_failures": MetadataValue.json(out.failures_by_model),
            "models_published": MetadataValue.json(out.models_chosen),
        },
    )
    yield MaterializeResult(
        asset_key=BACKTEST_KEY,
        metadata={"rows": counts["fct_forecast_backtest"], "median_by_level": MetadataValue.md(table_md)},
    )
    yield MaterializeResult(asset_key=ANOMALIES_KEY, metadata={"rows": counts["fct_sales_anomalies"]})


forecasting_assets = [forecasting_tables]
