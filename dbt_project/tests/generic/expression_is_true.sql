{#
  Rows where a boolean SQL `expression` over the model's columns is false (NULL passes: a NULL change
  or share is a documented "not applicable", checked by other tests).
  Usage:  data_tests: [{expression_is_true: {arguments: {expression: "share between 0 and 1"}}}]
#}
{% test expression_is_true(model, expression, column_name=none) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
