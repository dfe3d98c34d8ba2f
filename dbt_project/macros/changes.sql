{#
  Change of `value` against `base`, as a ratio of the base's size: (value - base) / |base|, so a recovery
  from a negative base reads positive; NULL when the base is 0 or unknown (never an infinite change).
#}
{% macro change_pct(value, base) -%}
    case when {{ base }} <> 0
         then cast({{ value }} - {{ base }} as double) / abs(cast({{ base }} as double)) end
{%- endmacro %}
