{#
  The forecasting asset's tables (forecasting/tables.py, same columns) created empty when a database has none yet,
  so the models reading them (source 'forecasting') build before the first forecast: the tests' databases, a
  `dbt build` run by hand. The asset replaces them (create or replace, with its own table and column comments)
  whenever it runs. tests/test_alert_rules.py compares these columns with forecasting/tables.py.
  Created here, they get a placeholder comment on the table and every column (the published file promises a comment
  on every mart column), only when the hook creates them: an existing table's comments are the asset's.
#}
{% macro forecast_tables_ddl() %}
    {%- set tables = {
        'fct_sales_forecast': 'level string, key string, month date, forecast double, lower double, upper double, '
            ~ 'model string, horizon bigint, interval_level double, model_detail string, backtest_mase double, '
            ~ 'history_months bigint, fallback_reason string',
        'fct_forecast_backtest': 'level string, key string, model string, status string, origins bigint, '
            ~ 'points bigint, mase double, smape double, mae double, snaive_mase double, snaive_smape double, '
            ~ 'relative_mase double, is_backtest_winner boolean, is_published boolean, detail string, '
            ~ 'coverage double, interval_level double',
        'fct_sales_anomalies': 'level string, key string, month date, actual double, expected double, '
            ~ 'score double, direction string',
    } -%}
    create schema if not exists marts;
    {%- for name, columns in tables.items() %}
    {%- set exists = execute and adapter.get_relation(database=target.database, schema='marts', identifier=name) is not none %}
    create table if not exists marts.{{ name }} ({{ columns }});
    {%- if not exists and target.type == 'duckdb' %}
    comment on table marts.{{ name }} is 'Written by the forecasting asset (docs/forecasting.md); empty until it first runs.';
    {%- for column in columns.split(', ') %}
    comment on column marts.{{ name }}.{{ column.split(' ')[0] }} is 'Written by the forecasting asset (docs/forecasting.md, forecasting/tables.py); empty until it first runs.';
    {%- endfor %}
    {%- endif %}
    {%- endfor %}
{% endmacro %}
