-- Manager overrides (CONTRACT.md section 3 "Override"), grain: manager x direct report x report period.
-- A manager earns manager_override_rate x the measure of each direct report (stg_raw__reps.manager_id)
-- for each of the report's plan periods. The manager's plan is the one assigned to the manager on the
-- last day of the report's period (or as_of, when earlier); the line goes to that plan's period holding
-- the start of the report's period. Managers whose plan has no override rate earn none.

with

reports as (

    select
        measures.*,
        reps.manager_id,
        least(measures.period_end, {{ as_of_date() }}) as reference_day
    from {{ ref('int_commission_period_measures') }} as measures
    inner join {{ ref('stg_raw__reps') }} as reps on reps.rep_id = measures.rep_id
    where reps.manager_id is not null and reps.manager_id <> measures.rep_id
      and measures.measure_amount <> 0  -- a period without measure earns no override line
      -- money measures only: a count component (new_customers, units; issue 18) earns its manager nothing
      and measures.measure in ('net_sales', 'gross_margin', 'collected')

),

manager_days as (

    select * from {{ ref('int_commission_assignment_days') }}

),

plans as (

    select plan_id, manager_override_rate from {{ ref('stg_config__commission_plans') }}
    where manager_override_rate > 0

),

final as (

    select
        reports.manager_id as rep_id,
        manager_days.plan_id,
        manager_days.period_type,
        cast(date_trunc(manager_days.period_type, reports.period_start) as date) as period_start,
        reports.rep_id as source_rep_id,
        reports.plan_id as source_plan_id,
        reports.period_start as source_period_start,
        reports.measure as source_measure,
        reports.measure_amount as source_measure_amount,
        plans.manager_override_rate as rate,
        {{ exact_amount(money_times('plans.manager_override_rate', 'reports.measure_amount')) }} as amount,
        'override ' || {{ pct_text('plans.manager_override_rate') }} || ' on ' || reports.rep_id || '''s '
            || reports.period_label || ' ' || reports.measure || ' ' || {{ yuan('reports.measure_amount') }}
            as explanation

    from reports
    inner join manager_days
        on manager_days.rep_id = reports.manager_id
        and manager_days.day = reports.reference_day
    inner join plans on plans.plan_id = manager_days.plan_id

)

select * from final
