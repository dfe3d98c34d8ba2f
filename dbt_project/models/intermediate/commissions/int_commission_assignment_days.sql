-- Which plan each rep is on, day by day (CONTRACT.md section 3 "assignments"), grain: rep x day x plan (one
-- plan a day, or each component of a plan with components: issue 18 item 2).
-- A rep-specific assignment covering the day wins over the default of the rep's role; days covered by
-- neither have no row (no plan, no commission). Days run from the first day any assignment can cover
-- up to the end of the as-of year, so targets of the open period can be prorated over all its days.
-- Assignments are not cut at hire or termination: the month factors of the targets count employment
-- (int_commission_period_months).

with

assignments as (

    select * from {{ ref('stg_config__commission_assignments') }}

),

plans as (

    select plan_id, parent_plan_id, period_type, tier_period_type from {{ ref('stg_config__commission_plans') }}

),

reps as (

    select rep_id, role from {{ ref('stg_raw__reps') }}

),

bounds as (

    select
        -- open-ended assignments reach back to the first order
        case
            when bool_or(valid_from is null)
                then (select min(order_date) from {{ ref('int_order_lines_enriched') }})
            else min(valid_from)
        end as first_day,
        {{ period_end_of('year', as_of_date()) }} as last_day
    from assignments

),

days as (

    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as day
    from bounds
    where first_day is not null

),

candidates as (

    -- rep-specific rows (priority 1)
    select assignments.rep_id, days.day, assignments.plan_id, assignments.assignment_no,
           'rep' as assignment_level, 1 as priority
    from assignments
    inner join days
        on days.day between coalesce(assignments.valid_from, days.day) and coalesce(assignments.valid_to, days.day)
    where assignments.rep_id is not null

    union all

    -- role defaults (priority 2)
    select reps.rep_id, days.day, assignments.plan_id, assignments.assignment_no,
           'role' as assignment_level, 2 as priority
    from assignments
    inner join reps on reps.role = assignments.role
    inner join days
        on days.day between coalesce(assignments.valid_from, days.day) and coalesce(assignments.valid_to, days.day)
    where assignments.rep_id is null

),

chosen as (

    select * from candidates
    qualify row_number() over (partition by rep_id, day order by priority, assignment_no) = 1

),

final as (

    select
        chosen.rep_id,
        chosen.day,
        plans.plan_id,
        plans.period_type,
        cast(date_trunc(plans.period_type, chosen.day) as date) as period_start,
        -- the period tiers accumulate over (issue 18: the plan's period when it pays every pay_period)
        cast(date_trunc(plans.tier_period_type, chosen.day) as date) as tier_period_start,
        chosen.assignment_no,
        chosen.assignment_level

    from chosen
    -- an assignment names a plan; a plan with components puts the rep on each of them
    inner join plans on plans.parent_plan_id = chosen.plan_id

)

select * from final
