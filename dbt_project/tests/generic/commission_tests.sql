{# Generic tests of the commission engine (models/*/commissions). #}

{# Rows where `expression` is false. #}
{% test commission_expression_true(model, expression, column_name=none) %}
    select * from {{ model }} where not ({{ expression }})
{% endtest %}

{# Attainment-based plan periods with a measure but no positive target: their tier commission cannot be
   computed (it stays 0) until a target exists. A warning, listing the rep periods. #}
{% test commission_attainment_plans_have_targets(model) %}
    select rep_id, plan_id, period_start, measure_amount
    from {{ model }}
    where tier_basis = 'attainment' and measure_amount > 0 and coalesce(target_amount, 0) <= 0
{% endtest %}

{# Manual adjustments that could not be placed on any plan statement (the rep has no plan in that period). #}
{% test commission_adjustments_unplaced(model) %}
    select a.*
    from {{ ref('stg_raw__adjustments') }} as a
    where not exists (
        select 1 from {{ model }} as placed
        where placed.source_id = a._source_file || ':' || a._source_row
    )
{% endtest %}
