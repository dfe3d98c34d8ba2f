{#
  The alerts of every run, kept across runs: the state fct_risk_alerts derives history from (first and last
  detection, new / ongoing / resolved). Incremental, and deliberately deaf to --full-refresh (full_refresh=false):
  rebuilding the warehouse must not erase what was alerted when. Each run replaces its own as-of date's rows (a
  re-run of the same day changes nothing) and writes one run marker row, so a run with no alerts still counts
  (it resolves what was open) and replaces an earlier run of the same day. DuckDB: delete+insert on detected_on;
  Spark: insert_overwrite of the detected_on partition. To forget the history on purpose, drop the table.
#}
{{ config(
    materialized='incremental',
    full_refresh=false,
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    unique_key=(none if target.type == 'spark' else ['detected_on']),
    partition_by=(['detected_on'] if target.type == 'spark' else none),
    on_schema_change='append_new_columns'
) }}

select
    detected_on,
    false as is_run_marker,
    alert_id,
    alert_type,
    entity_type,
    entity_id,
    entity_name,
    region,
    owner_id,
    owner_name,
    manager_id,
    manager_name,
    severity,
    period_type,
    period_start,
    money_at_risk,
    metric_value,
    threshold_value,
    p_value,
    reason_en,
    reason_zh
from {{ ref('int_risk_alerts_unioned') }}

union all

select
    {{ as_of_date() }} as detected_on,
    true as is_run_marker,
    cast(null as string) as alert_id,
    cast(null as string) as alert_type,
    cast(null as string) as entity_type,
    cast(null as string) as entity_id,
    cast(null as string) as entity_name,
    cast(null as string) as region,
    cast(null as string) as owner_id,
    cast(null as string) as owner_name,
    cast(null as string) as manager_id,
    cast(null as string) as manager_name,
    cast(null as string) as severity,
    cast(null as string) as period_type,
    cast(null as date) as period_start,
    cast(null as decimal(18, 2)) as money_at_risk,
    cast(null as double) as metric_value,
    cast(null as double) as threshold_value,
    cast(null as double) as p_value,
    cast(null as string) as reason_en,
    cast(null as string) as reason_zh
