-- Rep x month of the plan year: how much of the month the rep is employed and, for new hires, the
-- default target with ramp. Leavers get nothing after their termination date: a month entirely after
-- it has employed_fraction 0 (target 0); the month holding it is prorated by days employed.
-- New hires: new_hires.default_monthly_target x the ramp factor of the month (month 1 = the calendar
-- month holding hire_date; 1.0 after the ramp), x the employed fraction in a termination month; 0 before
-- the hire month.

with

policy as (

    select * from {{ ref('int_target_policy') }}

),

reps as (

    select units.key as rep_id, units.is_new_hire, stg.hire_date, stg.termination_date
    from {{ ref('int_target_units') }} as units
    inner join {{ ref('stg_raw__reps') }} as stg on stg.rep_id = units.key
    where units.level = 'rep'

),

grid as (

    select
        reps.*,
        cast(m.m as date) as month_start,
        {{ period_end("'month'", 'm.m') }} as month_end
    from reps
    cross join policy
    cross join generate_series(policy.plan_start, policy.plan_last_month, interval 1 month) as m(m)

),

fractions as (

    select
        grid.*,
        greatest(0, date_diff('day',
                              greatest(month_start, coalesce(hire_date, month_start)),
                              least(month_end, coalesce(termination_date, month_end))) + 1)
            / (date_diff('day', month_start, month_end) + 1) as employed_fraction,
        date_diff('month', cast(date_trunc('month', hire_date) as date), month_start) + 1 as employment_month_no
    from grid

)

select
    fractions.rep_id,
    fractions.month_start,
    cast(fractions.employed_fraction as double) as employed_fraction,
    cast(fractions.employment_month_no as integer) as employment_month_no,
    fractions.is_new_hire,
    case
        when not fractions.is_new_hire then null
        when fractions.employed_fraction = 0 then 0
        else cast(round(policy.new_hire_default_monthly_target * coalesce(ramp.factor, 1.0)
                        * case when fractions.termination_date <= fractions.month_end
                               then fractions.employed_fraction else 1 end, 2) as decimal(18, 2))
    end as new_hire_target_amount
from fractions
cross join policy
left join {{ ref('stg_config__targets_ramp') }} as ramp on ramp.month_no = fractions.employment_month_no
