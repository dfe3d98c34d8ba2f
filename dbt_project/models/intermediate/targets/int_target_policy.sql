-- The resolved target policy: one row when config/targets.yml is present, none otherwise.
-- history_end is the first month NOT in the history: the plan year's start, or the as-of month when
-- the plan year has already started (planning next year in November uses Nov..Oct as its trailing year).
-- The trailing year is the 12 complete months before history_end; its actual sales are net of returns
-- recorded in the same month (the attainment rule).

with

cfg as (

    select * from {{ ref('stg_config__targets_policy') }}

),

resolved as (

    select
        coalesce(cfg.plan_year, year({{ as_of_date() }})) as plan_year,
        make_date(coalesce(cfg.plan_year, year({{ as_of_date() }})), 1, 1) as plan_start,
        make_date(coalesce(cfg.plan_year, year({{ as_of_date() }})), 12, 1) as plan_last_month,
        cast(least(make_date(coalesce(cfg.plan_year, year({{ as_of_date() }})), 1, 1),
                   date_trunc('month', {{ as_of_date() }})) as date) as history_end,
        cfg.company_target_amount,
        cfg.growth_rate,
        cfg.stretch_pct,
        cfg.seasonality_source,
        cfg.seasonality_years,
        cfg.new_hire_default_monthly_target,
        cfg.new_hire_min_history_months
    from cfg

),

trailing_year as (

    select
        sum(case when a.event_type = 'sale' then a.amount
                 when a.event_month = a.order_month then -a.amount
                 else 0 end) as trailing_actual_amount
    from {{ ref('int_actuals_aggregated') }} as a
    cross join resolved
    where a.level = 'company'
        and a.order_month >= resolved.history_end - interval 12 month
        and a.order_month < resolved.history_end

)

select
    resolved.plan_year,
    resolved.plan_start,
    resolved.plan_last_month,
    resolved.history_end,
    cast(trailing_year.trailing_actual_amount as decimal(18, 2)) as trailing_actual_amount,
    resolved.growth_rate,
    case when resolved.company_target_amount is not null then 'amount' else 'growth' end as company_target_basis,
    cast(round(coalesce(resolved.company_target_amount,
                        coalesce(trailing_year.trailing_actual_amount, 0) * (1 + resolved.growth_rate)), 2)
         as decimal(18, 2)) as company_target_amount,
    coalesce(resolved.stretch_pct, 0) as stretch_pct,
    resolved.seasonality_source,
    resolved.seasonality_years,
    coalesce(resolved.new_hire_default_monthly_target, 0) as new_hire_default_monthly_target,
    resolved.new_hire_min_history_months
from resolved
cross join trailing_year
