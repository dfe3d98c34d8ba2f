-- Plan-year target consistency and bottom-up gap, grain: period_type x period_start x level x key for
-- company, region and team. bottom_up_amount rolls up the rep-submitted (manual) rep targets beneath the
-- unit; suggested_target_amount is the pure top-down policy number; children_sum_amount is what the
-- unit's children add up to (regions for the company; teams and teamless reps for a region; reps for a
-- team). children add up to the target unless manual targets contradict each other (is_consistent).

with

targets as (

    select * from {{ ref('fct_targets') }}
    where is_plan_year

),

units as (

    select * from {{ ref('int_target_units') }}

),

rep_ancestors as (

    -- every (rep, ancestor) pair of the target tree
    select key as rep_id, parent_level as level, parent_key as key from units where level = 'rep'
    union all
    select rep.key, team.parent_level, team.parent_key
    from units as rep
    inner join units as team on team.level = 'team' and team.key = rep.parent_key
    where rep.level = 'rep' and rep.parent_level = 'team'
    union all
    select key, 'company', '' from units where level = 'rep'

),

bottom_up as (

    select
        targets.period_type,
        targets.period_start,
        rep_ancestors.level,
        rep_ancestors.key,
        sum(targets.target_amount) filter (where targets.source = 'manual') as bottom_up_amount,
        count(*) filter (where targets.target_amount <> 0 or targets.source = 'manual') as reps_with_target,
        count(*) filter (where targets.source = 'manual') as reps_submitted
    from targets
    inner join rep_ancestors on rep_ancestors.rep_id = targets.key
    where targets.level = 'rep'
    group by all

),

children as (

    select
        targets.period_type,
        targets.period_start,
        units.parent_level as level,
        units.parent_key as key,
        sum(targets.target_amount) filter (where units.level <> 'product_line') as children_sum_amount,
        sum(targets.target_amount) filter (where units.level = 'product_line') as product_lines_sum_amount
    from targets
    inner join units on units.level = targets.level and units.key = targets.key
    where units.parent_level is not null
    group by all

)

select
    targets.period_type,
    targets.period_start,
    targets.period_label,
    targets.level,
    targets.key,
    targets.target_amount,
    targets.source,
    targets.suggested_target_amount,
    coalesce(bottom_up.bottom_up_amount, 0) as bottom_up_amount,
    cast(coalesce(bottom_up.reps_submitted, 0) as integer) as reps_submitted,
    cast(coalesce(bottom_up.reps_with_target, 0) as integer) as reps_with_target,
    coalesce(bottom_up.bottom_up_amount, 0) - targets.suggested_target_amount as bottom_up_gap_amount,
    case when targets.suggested_target_amount > 0
         then cast(coalesce(bottom_up.bottom_up_amount, 0) as double) / cast(targets.suggested_target_amount as double) - 1
    end as bottom_up_gap_pct,
    children.children_sum_amount,
    children.product_lines_sum_amount,
    coalesce(children.children_sum_amount = targets.target_amount, true)
        and coalesce(children.product_lines_sum_amount = targets.target_amount, true) as is_consistent
from targets
left join bottom_up
    on bottom_up.period_type = targets.period_type and bottom_up.period_start = targets.period_start
    and bottom_up.level = targets.level and bottom_up.key = targets.key
left join children
    on children.period_type = targets.period_type and children.period_start = targets.period_start
    and children.level = targets.level and children.key = targets.key
where targets.level in ('company', 'region', 'team')
