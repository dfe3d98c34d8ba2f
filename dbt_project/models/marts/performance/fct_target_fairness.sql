-- Fairness of targets, part 1: how rep attainment is spread, grain: period_type x period_start x
-- scope_level x scope_key (company '', each region, each team).
--
-- Who counts: reps (fct_attainment level rep) with a positive target in the period, in their current
-- region and team (a rep without a team counts for its region and the company). Periods: every closed
-- period and the open one; future periods have no attainment yet.
-- Attainment: closed periods actual / target. The open period would compare a part of the period's sales
-- with the whole target, so it uses the run-rate projection of fct_attainment (actual to date /
-- workdays elapsed x workdays in the period, / target) instead: attainment_basis says which.
--
-- Statistics over the scope's reps: share at or above 100%, mean, median, p10 / p25 / p75 / p90
-- (continuous quantiles), IQR = p75 - p25, population standard deviation (the scope's reps are the whole
-- population, not a sample), min and max.
-- Gini coefficient of attainment (0 = everybody at the same attainment, towards 1 = one rep holds it all):
--     G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))
--       = 2 sum_i (i x_(i)) / (n sum_i x_i) - (n + 1) / n      with x_(1) <= ... <= x_(n) sorted, i = 1..n
-- Negative attainment (returns exceeding sales) would push G above 1 and make it meaningless, so x is
-- attainment floored at 0 for the Gini only; G is NULL when every x is 0. One rep: G = 0.
-- Sums are exact DECIMALs so a re-run gives bit-identical values whatever the summation order.

with

rep_attainment as (

    select
        attainment.period_type,
        attainment.period_start,
        attainment.period_label,
        attainment.period_status,
        attainment.key as rep_id,
        reps.region,
        reps.team,
        case attainment.period_status when 'open' then attainment.projected_attainment_pct
                                      else attainment.attainment_pct end as attainment
    from {{ ref('fct_attainment') }} as attainment
    inner join {{ ref('stg_raw__reps') }} as reps on reps.rep_id = attainment.key
    where attainment.level = 'rep'
      and attainment.period_status in ('closed', 'open')
      and attainment.target_amount > 0

),

scoped as (

    select *, 'company' as scope_level, '' as scope_key from rep_attainment
    union all
    select *, 'region', region from rep_attainment where region is not null
    union all
    select *, 'team', team from rep_attainment where team is not null

),

exact as (

    -- exact per-rep values: attainment to 9 decimals, its Gini rank
    select
        *,
        cast(round(attainment, 9) as decimal(18, 9)) as x,
        cast(round(greatest(attainment, 0), 9) as decimal(18, 9)) as x_floored,
        row_number() over (partition by period_type, period_start, scope_level, scope_key
                           order by greatest(attainment, 0)) as gini_rank
    from scoped
    where attainment is not null

),

moments as (

    select
        period_type,
        period_start,
        scope_level,
        scope_key,
        count(*) as n,
        sum(x) as sum_x,
        sum(x_floored) as sum_x_floored,
        sum(gini_rank * x_floored) as sum_rank_x
    from exact
    group by all

),

deviations as (

    -- two-pass variance: squared deviations from the exact mean
    select
        exact.period_type,
        exact.period_start,
        exact.scope_level,
        exact.scope_key,
        sum(deviation * deviation) as sum_squared_deviation
    from (
        select exact.*, exact.x - cast(moments.sum_x / moments.n as decimal(18, 9)) as deviation
        from exact
        inner join moments using (period_type, period_start, scope_level, scope_key)
    ) as exact
    group by all

),

distribution as (

    select
        period_type,
        period_start,
        any_value(period_label) as period_label,
        any_value(period_status) as period_status,
        scope_level,
        scope_key,
        count(*) filter (where attainment >= 1) as reps_at_or_above_target,
        quantile_cont(attainment, 0.5) as median_attainment,
        quantile_cont(attainment, 0.1) as p10_attainment,
        quantile_cont(attainment, 0.25) as p25_attainment,
        quantile_cont(attainment, 0.75) as p75_attainment,
        quantile_cont(attainment, 0.9) as p90_attainment,
        min(attainment) as min_attainment,
        max(attainment) as max_attainment
    from exact
    group by period_type, period_start, scope_level, scope_key

)

select
    distribution.period_type,
    distribution.period_start,
    distribution.period_label,
    distribution.period_status,
    case distribution.period_status when 'open' then 'run_rate_projection' else 'final' end as attainment_basis,
    distribution.scope_level,
    distribution.scope_key,
    cast(moments.n as integer) as reps_with_target,
    cast(distribution.reps_at_or_above_target as integer) as reps_at_or_above_target,
    distribution.reps_at_or_above_target / moments.n as share_at_or_above_target,
    cast(moments.sum_x / moments.n as double) as mean_attainment,
    distribution.median_attainment,
    distribution.p10_attainment,
    distribution.p25_attainment,
    distribution.p75_attainment,
    distribution.p90_attainment,
    distribution.p75_attainment - distribution.p25_attainment as iqr_attainment,
    sqrt(cast(deviations.sum_squared_deviation as double) / moments.n) as stddev_attainment,
    distribution.min_attainment,
    distribution.max_attainment,
    case when moments.sum_x_floored > 0
         then round(2 * cast(moments.sum_rank_x as double) / (moments.n * cast(moments.sum_x_floored as double))
                    - (moments.n + 1) / moments.n, 12) end as gini_attainment
from distribution
inner join moments using (period_type, period_start, scope_level, scope_key)
inner join deviations using (period_type, period_start, scope_level, scope_key)
