{#
  Periods, defined once (marts.dim_period publishes them): a period is identified by (period_type,
  period_start); period_type is month | quarter | year. Every model computes a period's start, length, end,
  label and status with these macros, never by hand.
#}

{# Period type of a text period label: '2025' -> year, '2025-Q1' -> quarter, '2025-03' -> month.
   Also accepted: '2025Q1', '2025 q1', '2025/3', '2025.03', '202503', '2025年3月', '2025年'. NULL if unparseable. #}
{% macro period_type_from_label(label) -%}
    case
        when regexp_full_match(trim({{ label }}), '[0-9]{4}\s*年?') then 'year'
        when regexp_full_match(trim({{ label }}), '[0-9]{4}\s*[-_/ ]?\s*[Qq]\s*[1-4]') then 'quarter'
        when regexp_full_match(trim({{ label }}), '[0-9]{4}\s*[-/.年]\s*(0?[1-9]|1[0-2])\s*月?') then 'month'
        when regexp_full_match(trim({{ label }}), '[0-9]{4}(0[1-9]|1[0-2])') then 'month'
    end
{%- endmacro %}

{# First day of the period a text label names (NULL if unparseable). #}
{% macro period_start_from_label(label) -%}
    case {{ period_type_from_label(label) }}
        when 'year' then make_date(cast(left(trim({{ label }}), 4) as integer), 1, 1)
        when 'quarter' then make_date(
            cast(left(trim({{ label }}), 4) as integer),
            cast(right(trim({{ label }}), 1) as integer) * 3 - 2,
            1)
        when 'month' then make_date(
            cast(left(trim({{ label }}), 4) as integer),
            cast(regexp_extract(substr(trim({{ label }}), 5), '(1[0-2]|0?[1-9])', 1) as integer),
            1)
    end
{%- endmacro %}

{# Start of the period of type `period_type` (a literal string) that contains date `d`. #}
{% macro period_start(period_type, d) -%}
    cast(date_trunc('{{ period_type }}', {{ d }}) as date)
{%- endmacro %}

{# Length of a period of type `period_type` (SQL expression), as an interval: the step to the next period
   (start + length) or the previous one (start - length). #}
{% macro period_length(period_type) -%}
    case {{ period_type }}
        when 'month' then interval 1 month
        when 'quarter' then interval 3 month
        when 'year' then interval 1 year
    end
{%- endmacro %}

{# Last day of a period given its type (SQL expression) and start. #}
{% macro period_end(period_type, start) -%}
    cast({{ start }} + {{ period_length(period_type) }} - interval 1 day as date)
{%- endmacro %}

{# Last day of the period of type `period_type` (a literal string) that contains date `d`. #}
{% macro period_end_of(period_type, d) -%}
    {{ period_end("'" ~ period_type ~ "'", period_start(period_type, d)) }}
{%- endmacro %}

{# Human label of a period: 2025-03, 2025-Q1, 2025 (the same forms raw.targets uses). #}
{% macro period_label(period_type, start) -%}
    case {{ period_type }}
        when 'month' then strftime({{ start }}, '%Y-%m')
        when 'quarter' then strftime({{ start }}, '%Y') || '-Q' || cast(quarter({{ start }}) as varchar)
        when 'year' then strftime({{ start }}, '%Y')
    end
{%- endmacro %}

{# closed / open / future relative to the as-of date: the period containing as_of is open. #}
{% macro period_status(start, end_) -%}
    case
        when {{ end_ }} < {{ as_of_date() }} then 'closed'
        when {{ start }} > {{ as_of_date() }} then 'future'
        else 'open'
    end
{%- endmacro %}

{# Offsets 0..11 as rows (month_offset): joined with a period's start, the months of a period
   (month_offset < 1, 3 or 12). Portable SQL: no generate_series. #}
{% macro month_offsets() -%}
    {% for n in range(12) %}select {{ n }} as month_offset{% if not loop.last %} union all {% endif %}{% endfor %}
{%- endmacro %}
