{#
  Date functions. DuckDB's `strftime`, `datediff('month', ...)`, `isodow`, `isoyear` and correlated
  `generate_series` have Spark counterparts under other names or shapes.
#}

{#
  Whole days from a to b (b - a). dbt.datediff(..., 'day') has the same value on both engines but on Spark wraps
  its operands in assert_not_null, which fails the query on a NULL date where DuckDB returns NULL.
#}
{% macro days_between(a, b) -%}
    {{ return(adapter.dispatch('days_between')(a, b)) }}
{%- endmacro %}
{% macro default__days_between(a, b) %}datediff('day', {{ a }}, {{ b }}){% endmacro %}
{% macro spark__days_between(a, b) %}datediff({{ b }}, {{ a }}){% endmacro %}

{# d shifted by n months (n may be an expression); the day clamps to the month's end on both engines. #}
{% macro add_months(d, n) -%}
    {{ return(adapter.dispatch('add_months')(d, n)) }}
{%- endmacro %}
{% macro default__add_months(d, n) %}({{ d }} + to_months({{ n }})){% endmacro %}
{% macro spark__add_months(d, n) %}add_months({{ d }}, {{ n }}){% endmacro %}
