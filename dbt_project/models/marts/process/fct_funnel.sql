-- The sales funnel per period (month, quarter, year) x level (company, region, team, rep, unassigned) x
-- breakdown (all, lead source, product line): one row per open stage in order, then the won row.
-- Every figure is counted in the period its event happened in (docs/process_analytics.md):
--   entered: deals reaching the stage (skipped stages count as reached); advanced / lost: deals leaving it
--   forward or lost in it; won: deals that had reached it and were won; days in stage: of the deals leaving it.
--   The deal-level figures (win rates, won amount, sales cycle) repeat on every stage row of the group.

with

units as (

    select * from {{ ref('int_opportunity_units') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_enriched') }}

),

reached as (

    select * from {{ ref('int_opportunity_stages_reached') }}

),

won_row as (

    select stage, stage_order from {{ ref('int_process_stages') }} where stage_kind = 'won_row'

),

period_types as (

    {{ process_period_types() }}

),

events as (

    -- reaching a stage
    select
        r.opportunity_id, r.stage, r.stage_order, 'open' as stage_kind, r.reached_on as event_on,
        1 as entered, case when r.is_explicit then 0 else 1 end as implicit_entered,
        o.amount as entered_amount, 0 as advanced, 0 as lost, 0 as won, 0 as lost_after,
        cast(null as integer) as days_in_stage,
        case when h.is_snapshot then 1 else 0 end as snapshot_entered
    from reached as r
    inner join opportunities as o on o.opportunity_id = r.opportunity_id
    left join (
        select opportunity_id, stage, true as is_snapshot
        from {{ ref('int_opportunity_stage_history') }}
        where is_stage_change and not is_exact
        group by opportunity_id, stage
    ) as h on h.opportunity_id = r.opportunity_id and h.stage = r.stage
    union all
    -- leaving it
    select
        r.opportunity_id, r.stage, r.stage_order, 'open', r.exited_on,
        0, 0, cast(null as decimal(18, 2)), case when r.exit_kind = 'advanced' then 1 else 0 end,
        case when r.exit_kind = 'lost' then 1 else 0 end, 0, 0, r.days_in_stage, 0
    from reached as r
    where r.exit_kind is not null
    union all
    -- the outcome of the deals that reached it
    select
        r.opportunity_id, r.stage, r.stage_order, 'open', o.closed_on,
        0, 0, cast(null as decimal(18, 2)), 0, 0,
        case when o.status = 'won' then 1 else 0 end, case when o.status = 'lost' then 1 else 0 end,
        cast(null as integer), 0
    from reached as r
    inner join opportunities as o on o.opportunity_id = r.opportunity_id
    where o.closed_on is not null
    union all
    -- the won row
    select
        o.opportunity_id, w.stage, w.stage_order, 'won', o.closed_on,
        1, 0, o.amount, 0, 0, 1, 0, cast(null as integer), 0
    from opportunities as o
    cross join won_row as w
    where o.status = 'won'

),

dated as (

    select
        e.*,
        p.period_type,
        {{ period_start_of('p.period_type', 'e.event_on') }} as period_start
    from events as e
    cross join period_types as p
    where e.event_on is not null and e.event_on <= {{ as_of_date() }}

),

stage_rows as (

    select
        d.period_type,
        d.period_start,
        u.level,
        u.key,
        u.breakdown,
        u.breakdown_value,
        d.stage,
        d.stage_order,
        d.stage_kind,
        sum(d.entered) as entered_count,
        sum(d.implicit_entered) as skipped_count,
        sum(d.snapshot_entered) as snapshot_entered_count,
        sum(d.entered_amount) as entered_amount,
        sum(d.advanced) as advanced_count,
        sum(d.lost) as lost_count,
        sum(d.won) as won_count,
        sum(d.lost_after) as lost_after_count,
        {{ percentile_value('d.days_in_stage', 0.5) }} as median_days_in_stage,
        {{ percentile_value('d.days_in_stage', 0.8) }} as p80_days_in_stage
    from dated as d
    inner join units as u on u.opportunity_id = d.opportunity_id
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

closed as (

    select o.*, p.period_type, {{ period_start_of('p.period_type', 'o.closed_on') }} as period_start
    from opportunities as o
    cross join period_types as p
    where o.closed_on is not null and o.closed_on <= {{ as_of_date() }}

),

outcomes as (

    select
        c.period_type,
        c.period_start,
        u.level,
        u.key,
        u.breakdown,
        u.breakdown_value,
        sum(case when c.status = 'won' then 1 else 0 end) as deals_won,
        sum(case when c.status = 'lost' then 1 else 0 end) as deals_lost,
        sum(case when c.status = 'won' then c.amount end) as won_amount,
        sum(case when c.status = 'lost' then c.amount end) as lost_amount,
        {{ percentile_value('c.sales_cycle_days', 0.5) }} as median_sales_cycle_days,
        avg(cast(c.sales_cycle_days as double)) as avg_sales_cycle_days
    from closed as c
    inner join units as u on u.opportunity_id = c.opportunity_id
    group by 1, 2, 3, 4, 5, 6

)

select
    s.period_type,
    s.period_start,
    {{ period_end('s.period_type', 's.period_start') }} as period_end,
    {{ period_label('s.period_type', 's.period_start') }} as period_label,
    s.level,
    s.key,
    s.breakdown,
    s.breakdown_value,
    s.stage,
    cast(s.stage_order as integer) as stage_order,
    s.stage_kind,
    cast(s.entered_count as bigint) as entered_count,
    cast(s.skipped_count as bigint) as skipped_count,
    cast(s.snapshot_entered_count as bigint) as snapshot_entered_count,
    s.entered_amount,
    cast(case when s.stage_kind = 'open' then s.advanced_count end as bigint) as advanced_count,
    cast(case when s.stage_kind = 'open' then s.lost_count end as bigint) as lost_count,
    cast(s.won_count as bigint) as won_count,
    case when s.stage_kind = 'open' then {{ safe_ratio('s.advanced_count', 's.advanced_count + s.lost_count') }}
        end as stage_conversion_rate,
    case when s.stage_kind = 'open' then {{ safe_ratio('s.won_count', 's.won_count + s.lost_after_count') }}
        end as stage_to_win_rate,
    round(s.median_days_in_stage, 1) as median_days_in_stage,
    round(s.p80_days_in_stage, 1) as p80_days_in_stage,
    cast(coalesce(o.deals_won, 0) as bigint) as deals_won,
    cast(coalesce(o.deals_lost, 0) as bigint) as deals_lost,
    o.won_amount,
    o.lost_amount,
    {{ safe_ratio('o.deals_won', 'o.deals_won + o.deals_lost') }} as win_rate_count,
    {{ safe_ratio('o.won_amount', 'coalesce(o.won_amount, 0) + coalesce(o.lost_amount, 0)') }} as win_rate_amount,
    {{ safe_ratio('o.won_amount', 'o.deals_won') }} as avg_won_amount,
    round(o.median_sales_cycle_days, 1) as median_sales_cycle_days,
    round(o.avg_sales_cycle_days, 1) as avg_sales_cycle_days
from stage_rows as s
left join outcomes as o
    on o.period_type = s.period_type
    and o.period_start = s.period_start
    and o.level = s.level
    and o.key = s.key
    and o.breakdown = s.breakdown
    and o.breakdown_value = s.breakdown_value
