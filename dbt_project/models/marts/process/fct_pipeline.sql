-- Open pipeline at each month end (the as-of month: at the as-of date) per level (company, region, team,
-- rep, unassigned), rebuilt from the stage history (int_pipeline_month_ends), with its coverage of the target
-- still to be sold: the coverage period is the quarter holding the day after the snapshot date (at a quarter
-- end: the next quarter), remaining target = its target less the actuals of its months up to the snapshot.
--   coverage_ratio = weighted pipeline expected to close by the end of the coverage period (overdue deals
--   included) / remaining target; NULL without a positive remaining target.

with

units as (

    select * from {{ ref('int_opportunity_units') }} where breakdown = 'all'

),

states as (

    select * from {{ ref('int_pipeline_month_ends') }}

),

months as (

    select
        month_start,
        snapshot_date,
        {{ period_start('quarter', plus_days('snapshot_date', 1)) }} as coverage_period_start
    from (
        select
            period_start as month_start,
            case when period_end > {{ as_of_date() }} then {{ as_of_date() }} else period_end end as snapshot_date
        from {{ ref('dim_period') }}
        where period_type = 'month' and period_start <= {{ as_of_date() }}
    ) as m

),

covered as (

    select s.*, m.coverage_period_start
    from states as s
    inner join months as m on m.month_start = s.month_start

),

open_pipeline as (

    select
        c.month_start,
        u.level,
        u.key,
        count(*) as open_count,
        sum(c.amount) as pipeline_amount,
        sum(c.weighted_amount) as weighted_pipeline_amount,
        sum(case when c.expected_close_date <= {{ period_end("'quarter'", 'c.coverage_period_start') }}
                 then c.weighted_amount else 0 end) as weighted_pipeline_in_period_amount,
        sum(case when c.stage_is_estimated then 1 else 0 end) as estimated_stage_count,
        sum(case when c.is_slipped then 1 else 0 end) as slipped_count,
        sum(case when c.is_slipped then c.amount else 0 end) as slipped_amount,
        sum(case when c.is_pushed then 1 else 0 end) as pushed_count,
        sum(case when c.is_aged then 1 else 0 end) as aged_count,
        sum(case when c.is_aged then c.amount else 0 end) as aged_amount,
        sum(case when c.is_stalled then 1 else 0 end) as stalled_count,
        sum(case when c.is_stalled then c.amount else 0 end) as stalled_amount
    from covered as c
    inner join units as u on u.opportunity_id = c.opportunity_id
    group by c.month_start, u.level, u.key

),

created as (

    select
        {{ period_start('month', 'o.created_on') }} as month_start,
        u.level,
        u.key,
        count(*) as created_count,
        sum(o.amount) as created_amount
    from {{ ref('int_opportunities_enriched') }} as o
    inner join units as u on u.opportunity_id = o.opportunity_id
    where o.created_on <= {{ as_of_date() }}
    group by 1, 2, 3

),

grid as (  -- every (month, level, key) with open pipeline or created deals

    select month_start, level, key from open_pipeline
    union
    select month_start, level, key from created

),

attainment as (

    select period_type, period_start, level, key, target_amount, actual_amount
    from {{ ref('fct_attainment') }}
    where period_type in ('month', 'quarter')

),

remaining as (

    select
        g.month_start,
        g.level,
        g.key,
        q.target_amount as coverage_target_amount,
        q.target_amount - coalesce(sum(a.actual_amount), 0) as remaining_target_amount
    from grid as g
    inner join months as m on m.month_start = g.month_start
    inner join attainment as q
        on q.period_type = 'quarter'
        and q.period_start = m.coverage_period_start
        and q.level = g.level
        and q.key = g.key
    left join attainment as a
        on a.period_type = 'month'
        and a.level = g.level
        and a.key = g.key
        and a.period_start >= m.coverage_period_start
        and a.period_start <= g.month_start
    group by g.month_start, g.level, g.key, q.target_amount

)

select
    g.month_start,
    m.snapshot_date,
    {{ period_label("'month'", 'g.month_start') }} as period_label,
    g.level,
    g.key,
    cast(coalesce(p.open_count, 0) as bigint) as open_count,
    coalesce(p.pipeline_amount, 0) as pipeline_amount,
    coalesce(p.weighted_pipeline_amount, 0) as weighted_pipeline_amount,
    m.coverage_period_start,
    {{ period_label("'quarter'", 'm.coverage_period_start') }} as coverage_period_label,
    coalesce(p.weighted_pipeline_in_period_amount, 0) as weighted_pipeline_in_period_amount,
    r.coverage_target_amount,
    r.remaining_target_amount,
    case when r.remaining_target_amount > 0
        then {{ safe_ratio('coalesce(p.weighted_pipeline_in_period_amount, 0)', 'r.remaining_target_amount') }}
    end as coverage_ratio,
    cast(coalesce(c.created_count, 0) as bigint) as created_count,
    coalesce(c.created_amount, 0) as created_amount,
    cast(coalesce(p.slipped_count, 0) as bigint) as slipped_count,
    coalesce(p.slipped_amount, 0) as slipped_amount,
    cast(coalesce(p.pushed_count, 0) as bigint) as pushed_count,
    cast(coalesce(p.aged_count, 0) as bigint) as aged_count,
    coalesce(p.aged_amount, 0) as aged_amount,
    cast(coalesce(p.stalled_count, 0) as bigint) as stalled_count,
    coalesce(p.stalled_amount, 0) as stalled_amount,
    cast(coalesce(p.estimated_stage_count, 0) as bigint) as estimated_stage_count
from grid as g
inner join months as m on m.month_start = g.month_start
left join open_pipeline as p on p.month_start = g.month_start and p.level = g.level and p.key = g.key
left join created as c on c.month_start = g.month_start and c.level = g.level and c.key = g.key
left join remaining as r on r.month_start = g.month_start and r.level = g.level and r.key = g.key
