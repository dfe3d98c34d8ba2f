{#
  The p-th percentile of x within a group, interpolated (percentile_cont), as an aggregate: DuckDB's quantile_cont,
  Spark's percentile (both interpolate linearly between the two nearest ranks). adapter.dispatch keeps the engine
  SQL here; models call percentile_value(x, p). (Issue 21 adds the same as cross_db quantile_cont: once both are on
  main, one of them can go.)
#}
{% macro percentile_value(x, p) -%}
    {{ return(adapter.dispatch('percentile_value')(x, p)) }}
{%- endmacro %}
{% macro default__percentile_value(x, p) %}quantile_cont({{ x }}, {{ p }}){% endmacro %}
{% macro spark__percentile_value(x, p) %}percentile(cast({{ x }} as double), {{ p }}){% endmacro %}
