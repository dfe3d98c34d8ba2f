{#
  The forecasting asset's tables (forecasting/tables.py, same columns) created empty when a database has none yet,
  so the models reading them (source 'forecasting') build before the first forecast: the tests' databases, a
  `dbt build` run by hand. The asset replaces them (create or replace) whenever it runs.
  tests/test_alert_rules.py compares these columns with forecasting/tables.py.
#}
{% macro forecast_tables_ddl() %}
    create schema if not exists marts;
    create table if not exists marts.fct_sales_forecast (
        level string, key string, month date, forecast double, lower double, upper double, model string,
        horizon bigint, interval_level double, model_detail string, backtest_mase double, history_months bigint,
        fallback_reason string);
    create table if not exists marts.fct_forecast_backtest (
        level string, key string, model string, status string, origins bigint, points bigint, mase double,
        smape double, mae double, snaive_mase double, snaive_smape double, relative_mase double,
        is_backtest_winner boolean, is_published boolean, detail string, coverage double, interval_level double);
    create table if not exists marts.fct_sales_anomalies (
        level string, key string, month date, actual double, expected double, score double, direction string);
{% endmacro %}
