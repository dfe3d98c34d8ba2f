{#
  Incremental builds of the line-level models (issue 20; docs/DESIGN.md "Incremental refresh").

  The pipeline decides before each build whether it is full or incremental (ingestion/changes.py): a full build
  runs `dbt build --full-refresh`; an incremental one passes the last build's watermark in the environment:
    SALESPERF_INCREMENTAL_SINCE_FILE_SEQ   raw rows with a larger _file_seq arrived since the last build
    SALESPERF_INCREMENTAL_PREVIOUS_AS_OF   the as-of date the last build used
  Environment variables, not --vars: dbt's saved parse (partial_parse.msgpack) is thrown away whenever --vars
  change, while a changed environment variable re-parses only the files that read it (orchestration/assets/dbt.py
  keeps the parse between builds; a full parse costs ~6 CPU-s more per dbt invocation).
  An incremental model deletes the months a change touches (pre-hook) and inserts them again from the same SQL
  as a full build, restricted to those months: the result is the full build's, row for row.

  On engines without DELETE on plain tables (Spark without Delta) the models stay tables: every build is full
  (`line_materialization()`).
#}

{% macro line_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{# True when the pipeline asked for an incremental build (it passes the watermark); the models still build in
   full when their table does not exist yet or on --full-refresh (is_incremental() is then false). #}
{% macro is_incremental_build() -%}
    {{ return(env_var('SALESPERF_INCREMENTAL_SINCE_FILE_SEQ', '') | trim != '' and not flags.FULL_REFRESH) }}
{%- endmacro %}

{% macro incremental_since() -%}
    {{ return(env_var('SALESPERF_INCREMENTAL_SINCE_FILE_SEQ', '-1') | trim | int) }}
{%- endmacro %}

{% macro incremental_previous_as_of() -%}
    {%- set raw = env_var('SALESPERF_INCREMENTAL_PREVIOUS_AS_OF', '') | trim -%}
    {%- if raw == '' -%}{{ as_of_date() }}{%- else -%}cast('{{ raw }}' as date){%- endif -%}
{%- endmacro %}

{#
  Order months whose lines may differ from the last build. A month is touched when
  - an order line of it, or an earlier version of one, is in a newer file (a correction that moves a line to
    another month touches both), or its order has newer credit splits or returns (fct_sales carries returns);
  - a line of it is dated between the previous and the current as-of date (is_creditable, is_after_as_of);
  - reps or products changed in a newer file (region, team, product line and cost are on every line): every month.
  Reads every landed version (stg_raw__row_versions): the change is a property of the landed rows, before staging
  picks the current ones.
#}
{% macro touched_order_months() -%}
    {%- set since = incremental_since() -%}
    {%- set month = "cast(" ~ dbt.date_trunc('month', 'order_date') ~ " as date)" -%}
    select distinct {{ month }} as order_month
    from {{ ref('stg_raw__row_versions') }}
    where entity = 'orders' and (
        order_id in (
            select order_id from {{ ref('stg_raw__row_versions') }}
            where entity in ('orders', 'credit_splits', 'returns') and _file_seq > {{ since }}
        )
        or (order_date > least({{ incremental_previous_as_of() }}, {{ as_of_date() }})
            and order_date <= greatest({{ incremental_previous_as_of() }}, {{ as_of_date() }}))
        or exists (
            select 1 from {{ ref('stg_raw__row_versions') }}
            where entity in ('reps', 'products') and _file_seq > {{ since }}
        )
    )
{%- endmacro %}

{# Pre-hook of an incremental line-level model: drop the touched months (int_build_touched_months) before they
   are inserted again. #}
{% macro delete_touched_order_months() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where order_month in (select order_month from {{ ref('int_build_touched_months') }})
    {%- endif -%}
{%- endmacro %}
