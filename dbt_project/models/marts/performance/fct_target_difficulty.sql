-- Fairness of targets, part 2: how hard each region's and team's target is, grain: period_type x
-- period_start x level (region, team) x key, for every period with a positive target (fct_targets:
-- history, plan year, future periods too -- a target can be judged before the period starts).
--
-- difficulty_ratio = target / the unit's own actual of the same period a year earlier (a closed period):
-- the growth the target asks for, seasonality included. 1.15 = "15% more than last year". NULL when last
-- year's actual is not positive (a new unit, or no history) or that period is not closed yet.
-- Peers = all units of the same level in the same period (all regions; all teams of the company, since
-- a team's people compete with every other team for the same recognition and pay).
-- relative_difficulty = difficulty_ratio / median difficulty_ratio of the peers (at least 2 peers with a
-- ratio). period_assessment: harder above 1 + tolerance, easier below 1 - tolerance, else in_line.
-- "Systematically": difficulty_flag is harder (easier) when at least `fairness_min_periods` of the last
-- `fairness_window_periods` periods of the same type (this one included, calendar periods) were assessed
-- harder (easier) -- and more often than the opposite; otherwise in_line. One bad quarter is noise, two of
-- three is a pattern. Defaults in dbt_project.yml vars: tolerance 10%, 2 of the last 3 periods.

{% set tolerance = var('fairness_tolerance') %}
{% set window_periods = var('fairness_window_periods') %}
{% set min_periods = var('fairness_min_periods') %}

with

targets as (

    select period_type, period_start, period_label, level, key, target_amount, is_plan_year
    from {{ ref('fct_targets') }}
    where level in ('region', 'team') and target_amount > 0

),

last_year as (

    select period_type, period_start, level, key, actual_amount
    from {{ ref('fct_attainment') }}
    where level in ('region', 'team') and period_status = 'closed'

),

ratios as (

    select
        targets.*,
        {{ period_status('targets.period_start', period_end('targets.period_type', 'targets.period_start')) }}
            as period_status,
        last_year.actual_amount as last_year_actual_amount,
        case when last_year.actual_amount > 0
             then cast(targets.target_amount as double) / cast(last_year.actual_amount as double) end
            as difficulty_ratio,
        -- consecutive numbering of periods, for the calendar window below
        case targets.period_type
            when 'month' then year(targets.period_start) * 12 + month(targets.period_start)
            when 'quarter' then year(targets.period_start) * 4 + quarter(targets.period_start)
            else year(targets.period_start)
        end as period_index
    from targets
    left join last_year
        on last_year.period_type = targets.period_type
        and last_year.period_start = cast(targets.period_start - interval 1 year as date)
        and last_year.level = targets.level and last_year.key = targets.key

),

peer_medians as (

    select
        period_type,
        period_start,
        level,
        count(difficulty_ratio) as peer_count,
        median(difficulty_ratio) as peer_median_ratio
    from ratios
    group by all

),

assessed as (

    select
        ratios.*,
        peer_medians.peer_count,
        peer_medians.peer_median_ratio,
        case when peer_medians.peer_count >= 2 and peer_medians.peer_median_ratio > 0
             then ratios.difficulty_ratio / peer_medians.peer_median_ratio end as relative_difficulty
    from ratios
    inner join peer_medians using (period_type, period_start, level)

),

classified as (

    select
        *,
        case
            when relative_difficulty is null then null
            when relative_difficulty > 1 + {{ tolerance }} then 'harder'
            when relative_difficulty < 1 - {{ tolerance }} then 'easier'
            else 'in_line'
        end as period_assessment
    from assessed

),

windowed as (

    select
        *,
        count(period_assessment) over recent as assessed_periods,
        count(*) filter (where period_assessment = 'harder') over recent as harder_periods,
        count(*) filter (where period_assessment = 'easier') over recent as easier_periods
    from classified
    window recent as (partition by period_type, level, key order by period_index
                      range between {{ window_periods - 1 }} preceding and current row)

)

select
    windowed.period_type,
    windowed.period_start,
    windowed.period_label,
    windowed.period_status,
    windowed.is_plan_year,
    windowed.level,
    windowed.key,
    case windowed.level when 'team' then org.parent_key end as region,
    windowed.target_amount,
    windowed.last_year_actual_amount,
    windowed.difficulty_ratio,
    windowed.difficulty_ratio - 1 as implied_growth_pct,
    cast(windowed.peer_count as integer) as peer_count,
    windowed.peer_median_ratio,
    windowed.relative_difficulty,
    windowed.relative_difficulty - 1 as relative_difficulty_pct,
    windowed.period_assessment,
    cast(windowed.assessed_periods as integer) as window_assessed_periods,
    cast(windowed.harder_periods as integer) as window_harder_periods,
    cast(windowed.easier_periods as integer) as window_easier_periods,
    case
        when windowed.period_assessment is null then null
        when windowed.harder_periods >= {{ min_periods }} and windowed.harder_periods > windowed.easier_periods
            then 'harder'
        when windowed.easier_periods >= {{ min_periods }} and windowed.easier_periods > windowed.harder_periods
            then 'easier'
        else 'in_line'
    end as difficulty_flag,
    cast({{ tolerance }} as double) as tolerance,
    cast({{ window_periods }} as integer) as window_periods,
    cast({{ min_periods }} as integer) as min_periods
from windowed
left join {{ ref('int_org_units_mapped') }} as org
    on org.child_level = windowed.level and org.child_key = windowed.key
