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

{# Statements whose rounded lines do not add up to their exact total rounded half-up to the cent, or a line
   rounded further than to the floor or ceiling of its own cents (docs/commissions.md "Rounding"). #}
{% test commission_lines_add_up_to_the_rounded_total(model) %}
    select rep_id, plan_id, period_start, sum(amount) as lines_total, sum(unrounded_amount) as exact_total
    from {{ model }}
    group by rep_id, plan_id, period_start
    having sum(amount) <> round(sum(unrounded_amount), 2)
        or bool_or(amount * 100 < floor(unrounded_amount * 100) or amount * 100 > ceil(unrounded_amount * 100))
{% endtest %}

{# Orders whose revenue splits do not total 100% (docs/commissions.md "Credit splits"): revenue credit would be
   lost or paid twice. Overlays are free. A warning listing the orders and their revenue total. #}
{% test revenue_splits_total_one(model) %}
    select order_id, sum(split_pct) as revenue_split_total, count(*) as revenue_split_rows
    from {{ model }}
    where split_type = 'revenue'
    group by order_id
    having sum(split_pct) <> 1
{% endtest %}
