{#
  Cross-database pieces the risk-alert models need (docs/alerts.md): day arithmetic, an integer series to sum a
  distribution's tail over, text of money and numbers for the reasons. `default__` is DuckDB, `spark__` Spark 4.
#}

{# d shifted by n days (n may be an expression), a DATE on both engines. #}
{% macro add_days(d, n) -%}
    {{ return(adapter.dispatch('add_days')(d, n)) }}
{%- endmacro %}
{% macro default__add_days(d, n) %}(cast({{ d }} as date) + cast({{ n }} as integer)){% endmacro %}
{% macro spark__add_days(d, n) %}date_add(cast({{ d }} as date), cast({{ n }} as integer)){% endmacro %}

{#
  The integers from `start` to `stop` inclusive (columns of tables to the left allowed), to put after
  `cross join lateral ... as s(x)`. Callers keep start <= stop: Spark's sequence() counts down otherwise.
#}
{% macro integer_series(start, stop) -%}
    {{ return(adapter.dispatch('integer_series')(start, stop)) }}
{%- endmacro %}
{% macro default__integer_series(start, stop) %}generate_series(cast({{ start }} as bigint), cast({{ stop }} as bigint)){% endmacro %}
{% macro spark__integer_series(start, stop) -%}
    explode(sequence(cast({{ start }} as bigint), cast({{ stop }} as bigint)))
{%- endmacro %}

{# An amount as whole yuan with thousands separators: ¥1,234,568 (rounded half to even on both engines). #}
{% macro money_text(amount) -%}
    {{ return(adapter.dispatch('money_text')(amount)) }}
{%- endmacro %}
{% macro default__money_text(amount) %}('¥' || format('{:,.0f}', cast({{ amount }} as double))){% endmacro %}
{% macro spark__money_text(amount) -%}
    concat('¥', format_number(cast(round(cast({{ amount }} as double), 0) as decimal(38, 0)), 0))
{%- endmacro %}

{# A number with a fixed number of decimals (no thousands separator): 12.5, 0.007, 3. Portable as written. #}
{% macro fixed_text(x, digits) -%}
    cast(cast(round(cast({{ x }} as double), {{ digits }}) as decimal(38, {{ digits }})) as string)
{%- endmacro %}
