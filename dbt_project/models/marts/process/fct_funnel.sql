-- The sales funnel per period (month, quarter, year) x level (company, region, team, rep, unassigned) x
-- breakdown (all, lead source, product line): one row per open stage in order, then the won row.
-- Every figure is counted in the period its event happened in (docs/process_analytics.md):
--   entered: deals reaching the stage (skipped stages count as reached); advanced / lost: deals leaving it
--   forward or lost in it; won: deals that had reached it and were won; days in stage: of the deals leaving it.
--   The deal-level figures (win rates, won amount, sales cycle) repeat on every stage row of the group.

with

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

    -- each event in the month, quarter and year it happened in, with the attributes that decide its units
    select
        e.*,
        p.period_type,
        {{ period_start_of('p.period_type', 'e.event_on') }} as period_start,
        o.owner_rep_id, o.region, o.team, o.source, o.product_line, o.is_unassigned
    from events as e
    inner join opportunities as o on o.opportunity_id = e.opportunity_id
    cross join period_types as p
    where e.event_on is not null and e.event_on <= {{ as_of_date() }}

),

-- Aggregate by the unit attributes first, fan out to the (level, key, breakdown) units after: fanning out each
-- event (10 units x 3 period types) before aggregating spilled over 30 GB at 10M order lines. Medians come from a
-- histogram of days (exact: macros/cross_db/histogram_quantile.sql), the one figure that cannot be summed.
stage_base as (

    select
        period_type, period_start, stage, stage_order, stage_kind,
        owner_rep_id, region, team, source, product_line, is_unassigned,
        sum(entered) as entered_count,
        sum(implicit_entered) as skipped_count,
        sum(snapshot_entered) as snapshot_entered_count,
        sum(entered_amount) as entered_amount,
        sum(advanced) as advanced_count,
        sum(lost) as lost_count,
        sum(won) as won_count,
        sum(lost_after) as lost_after_count
    from dated
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

),

stage_units as (

    {{ process_units('stage_base', [
        'period_type', 'period_start', 'stage', 'stage_order', 'stage_kind', 'entered_count', 'skipped_count',
        'snapshot_entered_count', 'entered_amount', 'advanced_count', 'lost_count', 'won_count', 'lost_after_count',
    ]) }}

),

stage_sums as (

    select
        period_type, period_start, level, key, breakdown, breakdown_value, stage, stage_order, stage_kind,
        sum(entered_count) as entered_count,
        sum(skipped_count) as skipped_count,
        sum(snapshot_entered_count) as snapshot_entered_count,
        sum(entered_amount) as entered_amount,
        sum(advanced_count) as advanced_count,
        sum(lost_count) as lost_count,
        sum(won_count) as won_count,
        sum(lost_after_count) as lost_after_count
    from stage_units
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

days_base as (

    select
        period_type, period_start, stage, owner_rep_id, region, team, source, product_line, is_unassigned,
        days_in_stage, count(*) as deals
    from dated
    where days_in_stage is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

),

days_units as (

    {{ process_units('days_base', ['period_type', 'period_start', 'stage', 'days_in_stage', 'deals']) }}

),

days_histogram as (

    select period_type, period_start, level, key, breakdown, breakdown_value, stage, days_in_stage,
        sum(deals) as deals
    from days_units
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

days_quantiles as (

    {{ histogram_quantiles(
        'days_histogram',
        ['period_type', 'period_start', 'level', 'key', 'breakdown', 'breakdown_value', 'stage'],
        'days_in_stage', 'deals',
        [('median_days_in_stage', '0.5'), ('p80_days_in_stage', '0.8')],
    ) }}

),

stage_rows as (

    select s.*, q.median_days_in_stage, q.p80_days_in_stage
    from stage_sums as s
    left join days_quantiles as q
        using (period_type, period_start, level, key, breakdown, breakdown_value, stage)

),

closed as (

    select
        p.period_type,
        {{ period_start_of('p.period_type', 'o.closed_on') }} as period_start,
        o.owner_rep_id, o.region, o.team, o.source, o.product_line, o.is_unassigned,
        o.status, o.amount, o.sales_cycle_days
    from opportunities as o
    cross join period_types as p
    where o.closed_on is not null and o.closed_on <= {{ as_of_date() }}

),

outcome_base as (

    select
        period_type, period_start, owner_rep_id, region, team, source, product_line, is_unassigned,
        sum(case when status = 'won' then 1 else 0 end) as deals_won,
        sum(case when status = 'lost' then 1 else 0 end) as deals_lost,
        sum(case when status = 'won' then amount end) as won_amount,
        sum(case when status = 'lost' then amount end) as lost_amount,
        sum(sales_cycle_days) as cycle_days_sum,
        count(sales_cycle_days) as cycle_days_count
    from closed
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

outcome_units as (

    {{ process_units('outcome_base', [
        'period_type', 'period_start', 'deals_won', 'deals_lost', 'won_amount', 'lost_amount', 'cycle_days_sum',
        'cycle_days_count',
    ]) }}

),

outcome_sums as (

    select
        period_type, period_start, level, key, breakdown, breakdown_value,
        sum(deals_won) as deals_won,
        sum(deals_lost) as deals_lost,
        sum(won_amount) as won_amount,
        sum(lost_amount) as lost_amount,
        cast(sum(cycle_days_sum) as double) / nullif(sum(cycle_days_count), 0) as avg_sales_cycle_days
    from outcome_units
    group by 1, 2, 3, 4, 5, 6

),

cycle_base as (

    select
        period_type, period_start, owner_rep_id, region, team, source, product_line, is_unassigned,
        sales_cycle_days, count(*) as deals
    from closed
    where sales_cycle_days is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

cycle_units as (

    {{ process_units('cycle_base', ['period_type', 'period_start', 'sales_cycle_days', 'deals']) }}

),

cycle_histogram as (

    select period_type, period_start, level, key, breakdown, breakdown_value, sales_cycle_days,
        sum(deals) as deals
    from cycle_units
    group by 1, 2, 3, 4, 5, 6, 7

),

cycle_quantiles as (

    {{ histogram_quantiles(
        'cycle_histogram',
        ['period_type', 'period_start', 'level', 'key', 'breakdown', 'breakdown_value'],
        'sales_cycle_days', 'deals',
        [('median_sales_cycle_days', '0.5')],
    ) }}

),

outcomes as (

    select s.*, q.median_sales_cycle_days
    from outcome_sums as s
    left join cycle_quantiles as q using (period_type, period_start, level, key, breakdown, breakdown_value)

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
