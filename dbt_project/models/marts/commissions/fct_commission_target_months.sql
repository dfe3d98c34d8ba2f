-- The months behind every commission target (docs/contract.md section 3 "Target"; docs/commissions.md
-- "Targets of a plan period"), grain: rep x plan x plan period x month of the period. The statement's
-- target_amount is the sum of target_contribution over its months, rounded to the cent once.

select
    months.rep_id,
    months.plan_id,
    months.period_type,
    months.period_start,
    {{ period_label('months.period_type', 'months.period_start') }} as period_label,
    months.month_start,
    months.month_label,
    months.month_target_amount,
    months.target_source,
    months.employment_start,
    months.employment_start_from_assignment,
    months.employment_end,
    months.employment_month_no,
    months.ramp_factor,
    months.days_in_month,
    months.employed_days,
    months.covered_days,
    months.factor_rule,
    months.factor,
    months.target_contribution,
    months.explanation
from {{ ref('int_commission_period_months') }} as months
