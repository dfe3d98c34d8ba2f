-- The units targets are decomposed over for the plan year, grain: level x key, with their parent and
-- allocation weight. Tree: company -> region -> team -> rep (reps without a team hang under their region),
-- and company -> product_line. Reps are those whose role is listed in targets.yml `roles`, plus anyone
-- with a manual target in the plan year. Weights per targets.yml allocation.<level>.method:
--   history  region / team / product line: net sales (less same-month returns) over the level's
--            history_months before history_end; rep: average monthly credited sales over the months of
--            that window the rep was employed (so a rep hired mid-window is not penalised);
--   equal    1;   weight   the configured weight (0 for keys not listed);
--   potential the unit's expected sales of the plan year (int_target_forecasts: its own history forecast to the
--            plan year's end). A unit without any sales history (a new product line, a region or team without
--            sales yet) weighs the average of its siblings' forecasts, which gives it exactly the equal share
--            1/k of its parent (k children) and leaves the rest to the forecasts: allocation_basis
--            'no_history_equal_share' says so. A new-hire rep gets the default target anyway (below).
-- A rep with fewer than new_hires.min_history_months full months of employment in that window is a new
-- hire: it gets the default target and ramp instead of a share (int_target_rep_months).

with

policy as (

    select * from {{ ref('int_target_policy') }}

),

allocation as (

    select level, method, history_months from {{ ref('stg_config__targets_allocation') }}

),

edges as (

    select * from {{ ref('int_org_units_mapped') }}

),

reps as (

    select * from {{ ref('stg_raw__reps') }}

),

manual as (

    select distinct targets.level, targets.key
    from {{ ref('stg_raw__targets') }} as targets
    cross join policy
    where targets.period_type is not null and year(targets.period_start) = policy.plan_year

),

rep_units as (

    select reps.rep_id as key, edges.parent_level, edges.parent_key, reps.hire_date, reps.termination_date
    from reps
    inner join edges on edges.child_level = 'rep' and edges.child_key = reps.rep_id
    where reps.role in (select role from {{ ref('stg_config__targets_roles') }})
        or reps.rep_id in (select key from manual where level = 'rep')

),

units as (

    select 'company' as level, '' as key, cast(null as varchar) as parent_level, cast(null as varchar) as parent_key
    from policy
    union all
    select 'region', child_key, 'company', '' from edges where child_level = 'region'
    union all
    -- teams that still have a rep receiving targets
    select 'team', child_key, parent_level, parent_key from edges
    where child_level = 'team' and child_key in (select parent_key from rep_units where parent_level = 'team')
    union all
    select 'rep', key, parent_level, parent_key from rep_units
    union all
    select distinct 'product_line', product_line, 'company', '' from {{ ref('stg_raw__products') }}
    where product_line is not null
    union all
    select 'product_line', key, 'company', '' from manual where level = 'product_line'

),

windows as (

    select
        allocation.level,
        allocation.method,
        cast(policy.history_end - to_months(allocation.history_months) as date) as window_start,
        policy.history_end as window_end,
        allocation.history_months
    from allocation cross join policy

),

rep_history as (

    select
        a.level,
        a.key,
        windows.level as window_level,
        sum(case when a.event_type = 'sale' then a.amount
                 when a.event_month = a.order_month then -a.amount
                 else 0 end) as history_amount
    from {{ ref('int_actuals_aggregated') }} as a
    inner join windows on windows.level = a.level or (a.level = 'rep' and windows.level = 'team')
    where a.order_month >= windows.window_start and a.order_month < windows.window_end
    group by all

),

rep_tenure as (

    select
        rep_units.key,
        count(*) filter (where rep_units.hire_date <= cast(m.m as date)
                           and (rep_units.termination_date is null
                                or rep_units.termination_date >= {{ period_end("'month'", 'm.m') }}))
            as full_months_in_window,
        count(*) filter (where rep_units.hire_date <= {{ period_end("'month'", 'm.m') }}
                           and (rep_units.termination_date is null or rep_units.termination_date >= cast(m.m as date)))
            as employed_months_in_window
    from rep_units
    cross join windows
    cross join generate_series(windows.window_start, windows.window_end - interval 1 month, interval 1 month) as m(m)
    where windows.level = 'rep'
    group by all

),

forecasts as (

    select level, key, potential_amount, model from {{ ref('int_target_forecasts') }}

),

weighted as (

    -- A region's children are its teams and its reps without a team: they are weighed together with the
    -- team level's method (a teamless rep's history is its total credited sales over the team window).
    select
        units.*,
        case when units.level = 'rep' and units.parent_level = 'region' then 'team' else units.level end
            as weight_level
    from units

),

resolved as (

    select
        weighted.level,
        weighted.key,
        weighted.parent_level,
        weighted.parent_key,
        coalesce(windows.method, 'history') as allocation_method,
        cast(history.history_amount as decimal(18, 2)) as history_amount,
        cast(rep_tenure.full_months_in_window as integer) as full_months_in_window,
        weighted.level = 'rep' and coalesce(rep_tenure.full_months_in_window, 0) < policy.new_hire_min_history_months
            as is_new_hire,
        case coalesce(windows.method, 'history')
            when 'equal' then 1.0
            when 'weight' then coalesce(weights.weight, 0)
            when 'potential' then forecasts.potential_amount
            else greatest(0, coalesce(cast(history.history_amount as double), 0)
                             / case when weighted.weight_level = 'rep'
                                    then greatest(rep_tenure.employed_months_in_window, 1) else 1 end)
        end as allocation_weight,
        case when coalesce(windows.method, 'history') = 'potential'
             then coalesce('forecast_' || forecasts.model, 'no_history_equal_share')
             else coalesce(windows.method, 'history') end as allocation_basis,
        cast(forecasts.potential_amount as decimal(18, 2)) as potential_amount,
        -- siblings share a parent and a split: the company's regions and its product lines are two splits; a
        -- region's teams and teamless reps are one (they share the team level's method)
        coalesce(weighted.parent_level, '') || '|' || coalesce(weighted.parent_key, '') || '|'
            || case when weighted.level = 'product_line' then 'product_line' else 'org' end as sibling_group
    from weighted
    cross join policy
    left join windows on windows.level = weighted.weight_level
    left join rep_history as history
        on history.level = weighted.level and history.key = weighted.key
        and history.window_level = weighted.weight_level
    left join rep_tenure on weighted.level = 'rep' and rep_tenure.key = weighted.key
    left join {{ ref('stg_config__targets_weights') }} as weights
        on weights.level = weighted.weight_level and weights.key = weighted.key
    left join forecasts
        on coalesce(windows.method, 'history') = 'potential'
        and forecasts.level = weighted.level and forecasts.key = weighted.key
    qualify row_number() over (partition by weighted.level, weighted.key order by weighted.parent_level nulls first) = 1

),

final as (

    select
        level,
        key,
        parent_level,
        parent_key,
        allocation_method,
        allocation_basis,
        history_amount,
        potential_amount,
        full_months_in_window,
        is_new_hire,
        case when allocation_basis = 'no_history_equal_share'
             then coalesce(avg(allocation_weight) over (partition by sibling_group), 0)
             else greatest(0, allocation_weight) end as allocation_weight
    from resolved

)

select * from final
