-- Leaderboard, grain: period_type x period_start x rep_id: the scorecard total and ranks.
-- total_score = sum of weighted scores of the KPIs that have a score, divided by the sum of their weights
-- (a KPI without a value neither helps nor hurts; kpis_scored says how many counted). Ranks (1 = best,
-- ties share a rank) among the same role within the team and within the region.

with

scorecard as (

    select * from {{ ref('fct_kpi_scorecard') }}

),

totals as (

    select
        period_type,
        period_start,
        any_value(period_label) as period_label,
        rep_id,
        any_value(role) as role,
        any_value(team) as team,
        any_value(region) as region,
        -- DECIMAL sum: identical on every run whatever the summation order
        cast(sum(cast(weighted_score as decimal(38, 12))) as double) as weighted_score_sum,
        cast(sum(cast(weight as decimal(18, 9))) filter (where score is not null) as double) as scored_weight,
        cast(count(score) as integer) as kpis_scored,
        cast(count(*) as integer) as kpis_configured
    from scorecard
    group by period_type, period_start, rep_id

)

select
    period_type,
    period_start,
    period_label,
    rep_id,
    role,
    team,
    region,
    case when scored_weight > 0 then weighted_score_sum / scored_weight end as total_score,
    kpis_scored,
    kpis_configured,
    cast(rank() over (partition by period_type, period_start, role, team
                      order by case when scored_weight > 0 then weighted_score_sum / scored_weight end desc nulls last)
         as integer) as rank_in_team,
    cast(rank() over (partition by period_type, period_start, role, region
                      order by case when scored_weight > 0 then weighted_score_sum / scored_weight end desc nulls last)
         as integer) as rank_in_region
from totals
