{#
  The combination of `columns` is unique in the model (NULLs compare equal, as in a grain check).
  Usage:  data_tests: [{unique_combination: {arguments: {columns: [a, b]}}}]
#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
