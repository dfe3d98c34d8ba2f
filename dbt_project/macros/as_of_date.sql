{#
  The date a run treats as today (CONTRACT.md section 1, SALESPERF_AS_OF): which periods are open,
  which orders count. Returns a SQL DATE literal; falls back to current_date when the variable is unset.
#}
{% macro as_of_date() -%}
    {%- set raw = env_var('SALESPERF_AS_OF', '') | trim -%}
    {%- if raw == '' -%}
        current_date
    {%- elif modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', raw) -%}
        DATE '{{ raw }}'
    {%- else -%}
        {{ exceptions.raise_compiler_error("SALESPERF_AS_OF must be an ISO date like 2025-03-31, found '" ~ raw ~ "'") }}
    {%- endif -%}
{%- endmacro %}
