-- KPI scorecard, grain: period_type x period_start x rep_id x kpi (config/scorecard.yml).
-- score: method target -> value / kpi_target, method percentile -> the value's percentile among the
-- peers with the same role, KPI and period in the same peer group (0 = lowest, 1 = highest; a lone
-- peer scores 1); then limited to [0, cap]. A KPI without a value (no surveys, no closed opportunities,
-- no target ...) has no score. weighted_score = score x weight.

{#- least/greatest skip NULLs in DuckDB: a KPI without a value must keep a NULL score -#}
{% set raw_score %}case kpis.method when 'target' then ranked.value / kpis.kpi_target else ranked.percentile end{% endset %}
{% set capped_score %}case when ({{ raw_score }}) is null then null
         else least(kpis.cap, greatest(0, {{ raw_score }})) end{% endset %}

with

measures as (

    select * from {{ ref('int_kpi_measures') }}

),

kpis as (

    select * from {{ ref('stg_config__scorecard_kpis') }}

),

peers as (

    select
        measures.*,
        reps.region,
        reps.team,
        case settings.peer_group when 'team' then coalesce(reps.team, reps.region)
                                 when 'region' then reps.region else '' end as peer_group_key
    from measures
    inner join {{ ref('stg_raw__reps') }} as reps on reps.rep_id = measures.rep_id
    cross join {{ ref('stg_config__scorecard_settings') }} as settings

),

ranked as (

    select
        peers.*,
        case when value is null then null
             when count(value) over peer_window = 1 then 1.0
             else (rank() over (partition by period_type, period_start, kpi, role, peer_group_key, value is null
                                order by value) - 1)
                  / (count(value) over peer_window - 1)
        end as percentile
    from peers
    window peer_window as (partition by period_type, period_start, kpi, role, peer_group_key)

)

select
    ranked.period_type,
    ranked.period_start,
    {{ period_label('ranked.period_type', 'ranked.period_start') }} as period_label,
    ranked.rep_id,
    ranked.role,
    ranked.team,
    ranked.region,
    ranked.kpi,
    ranked.value,
    ranked.numerator,
    ranked.denominator,
    kpis.method as scoring_method,
    kpis.kpi_target,
    kpis.cap,
    ranked.percentile,
    {{ capped_score }} as score,
    kpis.weight,
    ({{ capped_score }}) * kpis.weight as weighted_score,
    kpis.position as kpi_position
from ranked
inner join kpis on kpis.role = ranked.role and kpis.kpi = ranked.kpi
