-- The months behind every plan-period target (docs/contract.md section 3 "Target"; docs/commissions.md
-- "Targets of a plan period"), grain: rep x plan x plan period x month of the period. Published as
-- marts.fct_commission_target_months, so payroll can check each month's target and factor.
--   target_contribution = month_target_amount x factor; the period's target is their sum, rounded to the
--   cent once (int_commission_periods).
-- The factor of a month, for this plan:
--   0                                    the month lies wholly before employment or after termination
--   ramp_factor x covered / employed     a ramp month (month 1 = the month holding the start of employment):
--                                        the ramp factor is the month's whole adjustment, shared between
--                                        plans by the employed days each covers (1 plan all month: ramp)
--   covered / employed                   a month whose target the policy already prorated to the days
--                                        employed (target_source suggested)
--   covered / days_in_month              otherwise: the share of the month's days this plan covers while
--                                        the rep is employed (a plan change mid-month, a hire or
--                                        termination mid-month)
-- employed = days of the month between the start of employment and the termination date; covered = those
-- of them assigned to this plan. The start of employment is hire_date, or the first day the rep is assigned
-- a plan when hire_date is blank (issue 13: an optional hire date).

with

days as (

    select rep_id, day, plan_id, period_type, period_start, tier_period_start
    from {{ ref('int_commission_assignment_days') }}

),

reps as (

    select rep_id, hire_date, termination_date from {{ ref('stg_raw__reps') }}

),

employment as (

    select
        first_days.rep_id,
        coalesce(reps.hire_date, first_days.first_assigned_day) as employment_start,
        reps.hire_date is null as employment_start_from_assignment,
        reps.termination_date as employment_end
    from (select rep_id, min(day) as first_assigned_day from days group by rep_id) as first_days
    left join reps on reps.rep_id = first_days.rep_id

),

periods as (

    -- every pay period of a tier period started by as_of: a plan paying to date needs the whole year's target
    select distinct rep_id, plan_id, period_type, period_start
    from days
    where tier_period_start <= {{ as_of_date() }}

),

offsets as (

    {{ month_offsets() }}

),

months as (

    select
        periods.*,
        cast({{ dbt.dateadd('month', 'offsets.month_offset', 'periods.period_start') }} as date) as month_start
    from periods
    inner join offsets
        on offsets.month_offset < case periods.period_type when 'month' then 1 when 'quarter' then 3 else 12 end

),

covered as (

    select
        days.rep_id,
        days.plan_id,
        days.period_start,
        {{ period_start('month', 'days.day') }} as month_start,
        count(*) as covered_days
    from days
    inner join employment on employment.rep_id = days.rep_id
    where days.day >= employment.employment_start
        and (employment.employment_end is null or days.day <= employment.employment_end)
    group by days.rep_id, days.plan_id, days.period_start, {{ period_start('month', 'days.day') }}

),

spans as (

    select
        months.*,
        {{ period_end("'month'", 'months.month_start') }} as month_end,
        employment.employment_start,
        employment.employment_start_from_assignment,
        employment.employment_end,
        {{ dbt.datediff('months.month_start', period_end("'month'", 'months.month_start'), 'day') }} + 1
            as days_in_month,
        greatest(0, {{ dbt.datediff(
            'greatest(months.month_start, employment.employment_start)',
            'least(' ~ period_end("'month'", 'months.month_start') ~ ', coalesce(employment.employment_end, '
                ~ period_end("'month'", 'months.month_start') ~ '))',
            'day') }} + 1) as employed_days,
        coalesce(covered.covered_days, 0) as covered_days,
        {{ dbt.datediff(period_start('month', 'employment.employment_start'), 'months.month_start', 'month') }} + 1
            as employment_month_no
    from months
    inner join employment on employment.rep_id = months.rep_id
    left join covered
        on covered.rep_id = months.rep_id and covered.plan_id = months.plan_id
        and covered.period_start = months.period_start and covered.month_start = months.month_start

),

factored as (

    select
        spans.*,
        -- issue 18 item 2: a component's `quota` per plan period replaces the rep's target, spread evenly over
        -- the period's months (a count: new customers, units)
        case when plans.quota is not null
             then cast(cast(plans.quota as decimal(38, 10))
                       / case plans.tier_period_type when 'year' then 12 when 'quarter' then 3 else 1 end
                       as decimal(38, 10))
             else targets.month_target_amount end as month_target_amount,
        case when plans.quota is not null then 'plan_quota' else targets.target_source end as target_source,
        coalesce(plans.quota is null and targets.employment_in_target, false) as employment_in_target,
        ramp.factor as ramp_factor,
        case
            when spans.employed_days = 0 then 'not_employed'
            when ramp.factor is not null then 'ramp'
            when plans.quota is null and targets.employment_in_target then 'covered_of_employed'
            else 'covered_of_month'
        end as factor_rule,
        -- the factor as an exact fraction: numerator / denominator
        case
            when spans.employed_days = 0 then 0
            when ramp.factor is not null then ramp.factor * spans.covered_days
            else spans.covered_days
        end as factor_numerator,
        case
            when spans.employed_days = 0 then 1
            when ramp.factor is not null or (plans.quota is null and targets.employment_in_target)
                then spans.employed_days
            else spans.days_in_month
        end as factor_denominator
    from spans
    left join {{ ref('int_commission_target_months') }} as targets
        on targets.rep_id = spans.rep_id and targets.month_start = spans.month_start
    left join {{ ref('stg_config__commission_plans') }} as plans on plans.plan_id = spans.plan_id
    left join {{ ref('stg_config__commission_ramp') }} as ramp
        on ramp.plan_id = spans.plan_id and ramp.month_no = spans.employment_month_no

),

final as (

    select
        rep_id,
        plan_id,
        period_type,
        period_start,
        month_start,
        {{ period_label("'month'", 'month_start') }} as month_label,
        month_target_amount,
        target_source,
        employment_start,
        employment_start_from_assignment,
        employment_end,
        cast(employment_month_no as integer) as employment_month_no,
        ramp_factor,
        cast(days_in_month as integer) as days_in_month,
        cast(employed_days as integer) as employed_days,
        cast(covered_days as integer) as covered_days,
        factor_rule,
        cast(cast(factor_numerator as double) / factor_denominator as decimal(18, 10)) as factor,
        -- to the 6th decimal (a fraction of days is not a finite decimal); the period target is rounded once
        cast(cast({{ money_times('month_target_amount', 'factor_numerator') }} as double) / factor_denominator
             as decimal(18, 6))
            as target_contribution,
        {{ period_label("'month'", 'month_start') }} || ': '
            || case
                when month_target_amount is null then 'no target'
                else {{ yuan('month_target_amount') }} || ' ('
                     || replace(target_source, '_', ' ') || ')'
               end
            || ' x '
            || case factor_rule
                when 'not_employed' then '0 (not employed: '
                    || case when employment_end is not null and month_start > employment_end
                            then 'left ' || strftime(employment_end, '%Y-%m-%d')
                            else 'starts ' || strftime(employment_start, '%Y-%m-%d') end || ')'
                when 'ramp' then format('{:g}', cast(ramp_factor as double)) || ' (ramp month ' || employment_month_no
                    || case when covered_days < employed_days
                            then ', ' || covered_days || ' of ' || employed_days || ' days employed on this plan'
                            else '' end || ')'
                when 'covered_of_employed' then covered_days || '/' || employed_days
                    || ' (days employed on this plan; the target is already prorated to employment)'
                else case when covered_days = days_in_month then '1'
                          else covered_days || '/' || days_in_month || ' (days of the month on this plan'
                               || case when employed_days < days_in_month then ' while employed' else '' end
                               || ')' end
               end as explanation

    from factored

)

select * from final
