{#
  Small helpers of the process marts (models/*/process), written with dbt's cross-database macros so the
  models stay portable (DuckDB and Spark).
#}

{# The date `n` days after date `d` (n may be negative or a column). #}
{% macro plus_days(d, n) -%}
    cast({{ dbt.dateadd('day', n, d) }} as date)
{%- endmacro %}

{# Whole calendar days from `a` to `b` (dates or timestamps): b - a. #}
{% macro days_from(a, b) -%}
    {{ dbt.datediff(a, b, 'day') }}
{%- endmacro %}

{# a / b as a DOUBLE, NULL when b is 0 or NULL (rates and shares; never a DECIMAL division). #}
{% macro safe_ratio(a, b) -%}
    cast({{ a }} as double) / nullif(cast({{ b }} as double), 0)
{%- endmacro %}

{# True when `value` is one of the '|'-separated items of `items` (a config list column). #}
{% macro in_bar_list(value, items) -%}
    ('|' || {{ items }} || '|' like '%|' || {{ value }} || '|%')
{%- endmacro %}

{# Start of the week (ISO: Monday) / month / quarter / year (period_type: a SQL expression) holding date `d`. #}
{% macro period_start_of(period_type, d) -%}
    case {{ period_type }}
        when 'week' then {{ period_start('week', d) }}
        when 'month' then {{ period_start('month', d) }}
        when 'quarter' then {{ period_start('quarter', d) }}
        when 'year' then {{ period_start('year', d) }}
    end
{%- endmacro %}

{# The period types the process marts report: a relation of one column, period_type. #}
{% macro process_period_types(types=['month', 'quarter', 'year']) -%}
    {% for t in types %}select '{{ t }}' as period_type{% if not loop.last %} union all {% endif %}{% endfor %}
{%- endmacro %}
