-- Sales comparisons a BI tool charts without further SQL, grain: period_type x period_start x level x key
-- (long format: filter a period_type and a level, put period_start on the axis).
--
-- Time: every closed period and the open one (the period holding the as-of date); future periods have no
-- actual and no row. Each row compares its actual (the attainment measure of fct_attainment) with
--   * the previous period: MoM for months, QoQ for quarters, YoY for years (pop_comparison says which);
--   * the same period a year earlier (YoY, for every period type).
-- Closed periods compare whole periods. The open period is to date (is_period_to_date), so it is compared
-- like for like: with its base periods cut at the same day (int_actuals_cut_to_date, e.g. 1-15 November
-- against 1-15 October and 1-15 November last year). *_amount columns hold the whole base periods,
-- *_base_amount what the change is computed against.
-- A base period before the first month with data is unknown (NULL), a base period inside the data
-- without sales is 0. Change in %: (actual - base) / |base|, so a recovery from a negative base reads as
-- positive; NULL when the base is 0 or unknown (never infinity).
--
-- Cross-sections, within the same period and level: the parent in the org tree (int_org_units_mapped:
-- rep -> team, or region for a rep without a team; team -> region; region -> company; product line ->
-- company), the share of the parent's actual, and the unit against its peers = units of the same level
-- and parent that are active in the period (an actual or a positive target): rank (1 = highest actual),
-- the peer average (the unit included) and the difference to it. So a rep is compared with its team's
-- average rep, a team with the other teams of its region, a region with the other regions.
-- Org assignments are the current ones (the reps export has no history). Rep actuals use sales credit:
-- with overlay splits a team's reps may add up to more than the team, and shares to more than 1.

with

attainment as (

    select period_type, period_start, level, key, actual_amount, target_amount
    from {{ ref('fct_attainment') }}

),

cut_to_date as (

    select * from {{ ref('int_actuals_cut_to_date') }}

),

data_start as (

    -- first month with sales or targets: earlier base periods are unknown, not zero
    select min(period_start) as first_month from attainment where period_type = 'month'

),

shifted as (

    select *, {{ period_length('period_type') }} as period_length
    from attainment

),

spine as (

    -- a unit has a row where it has an actual or a target, and in the period after one with sales (so a
    -- drop to nothing still shows), up to the open period
    select period_type, period_start, level, key from attainment
    union
    select period_type, cast(period_start + period_length as date), level, key
    from shifted where actual_amount <> 0
    union
    select period_type, cast(period_start + interval 1 year as date), level, key
    from shifted where actual_amount <> 0

),

periods as (

    select
        spine.*,
        {{ period_end('spine.period_type', 'spine.period_start') }} as period_end,
        {{ period_length('spine.period_type') }} as period_length
    from spine
    where spine.period_start <= {{ as_of_date() }}

),

compared as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        {{ period_label('periods.period_type', 'periods.period_start') }} as period_label,
        {{ period_status('periods.period_start', 'periods.period_end') }} as period_status,
        periods.level,
        periods.key,
        coalesce(current_period.actual_amount, 0) as actual_amount,
        current_period.target_amount,
        case periods.period_type when 'month' then 'MoM' when 'quarter' then 'QoQ' else 'YoY' end as pop_comparison,
        cast(periods.period_start - periods.period_length as date) as previous_period_start,
        case when cast(periods.period_start - periods.period_length as date) >= data_start.first_month
             then coalesce(previous_period.actual_amount, 0) end as previous_period_amount,
        cast(periods.period_start - interval 1 year as date) as last_year_period_start,
        case when cast(periods.period_start - interval 1 year as date) >= data_start.first_month
             then coalesce(last_year.actual_amount, 0) end as last_year_amount,
        -- the open period's bases stop at the same day (as_of - period length, as_of - 1 year)
        cast({{ as_of_date() }} - periods.period_length as date) as previous_cut_end,
        previous_cut.amount as previous_cut_amount,
        cast({{ as_of_date() }} - interval 1 year as date) as last_year_cut_end,
        last_year_cut.amount as last_year_cut_amount
    from periods
    cross join data_start
    left join attainment as current_period
        on current_period.period_type = periods.period_type and current_period.period_start = periods.period_start
        and current_period.level = periods.level and current_period.key = periods.key
    left join attainment as previous_period
        on previous_period.period_type = periods.period_type
        and previous_period.period_start = periods.period_start - periods.period_length
        and previous_period.level = periods.level and previous_period.key = periods.key
    left join attainment as last_year
        on last_year.period_type = periods.period_type
        and last_year.period_start = periods.period_start - interval 1 year
        and last_year.level = periods.level and last_year.key = periods.key
    left join cut_to_date as previous_cut
        on previous_cut.comparison = 'previous' and previous_cut.period_type = periods.period_type
        and previous_cut.period_start = periods.period_start
        and previous_cut.level = periods.level and previous_cut.key = periods.key
    left join cut_to_date as last_year_cut
        on last_year_cut.comparison = 'last_year' and last_year_cut.period_type = periods.period_type
        and last_year_cut.period_start = periods.period_start
        and last_year_cut.level = periods.level and last_year_cut.key = periods.key

),

bases as (

    select
        compared.*,
        period_status = 'open' as is_period_to_date,
        -- open period: the base period cut at the same day (no sales in that window = 0)
        case when period_status = 'open' and previous_period_amount is not null
             then coalesce(previous_cut_amount, 0) else previous_period_amount end as previous_period_base_amount,
        case when period_status = 'open' and last_year_amount is not null
             then coalesce(last_year_cut_amount, 0) else last_year_amount end as last_year_base_amount
    from compared

),

with_parents as (

    select
        bases.*,
        case bases.level when 'company' then null
                         when 'product_line' then 'company'
                         else org.parent_level end as parent_level,
        case bases.level when 'company' then null
                         when 'product_line' then ''
                         else org.parent_key end as parent_key,
        bases.actual_amount <> 0 or coalesce(bases.target_amount, 0) > 0 as is_active
    from bases
    left join {{ ref('int_org_units_mapped') }} as org
        on org.child_level = bases.level and org.child_key = bases.key

),

peers as (

    select
        *,
        count(*) filter (where is_active) over peer_window as peer_count,
        avg(actual_amount) filter (where is_active) over peer_window as peer_average
    from with_parents
    window peer_window as (partition by period_type, period_start, level, parent_level, parent_key)

),

ranked as (

    select
        peers.*,
        case when is_active then rank() over (
            partition by period_type, period_start, level, parent_level, parent_key, is_active
            order by actual_amount desc) end as rank_in_peers
    from peers

)

select
    ranked.period_type,
    ranked.period_start,
    ranked.period_end,
    ranked.period_label,
    ranked.period_status,
    ranked.is_period_to_date,
    cast(least(ranked.period_end, {{ as_of_date() }}) - ranked.period_start + 1 as integer) as days_covered,
    ranked.level,
    ranked.key,
    ranked.parent_level,
    ranked.parent_key,
    ranked.actual_amount,

    -- previous period (MoM / QoQ / YoY)
    ranked.pop_comparison,
    ranked.previous_period_start,
    ranked.previous_period_amount,
    case when ranked.is_period_to_date then ranked.previous_cut_end
         else {{ period_end('ranked.period_type', 'ranked.previous_period_start') }} end as previous_period_base_end,
    ranked.previous_period_base_amount,
    ranked.actual_amount - ranked.previous_period_base_amount as pop_change_amount,
    {{ change_pct('ranked.actual_amount', 'ranked.previous_period_base_amount') }} as pop_change_pct,

    -- same period a year earlier
    ranked.last_year_period_start,
    ranked.last_year_amount,
    case when ranked.is_period_to_date then ranked.last_year_cut_end
         else {{ period_end('ranked.period_type', 'ranked.last_year_period_start') }} end as last_year_base_end,
    ranked.last_year_base_amount,
    ranked.actual_amount - ranked.last_year_base_amount as yoy_change_amount,
    {{ change_pct('ranked.actual_amount', 'ranked.last_year_base_amount') }} as yoy_change_pct,

    -- cross-section within the period
    parent.actual_amount as parent_actual_amount,
    case when parent.actual_amount > 0
         then cast(ranked.actual_amount as double) / cast(parent.actual_amount as double) end as share_of_parent,
    ranked.is_active,
    cast(ranked.peer_count as integer) as peer_count,
    cast(ranked.rank_in_peers as integer) as rank_in_peers,
    cast(round(ranked.peer_average, 2) as decimal(18, 2)) as peer_average_amount,
    cast(ranked.actual_amount - round(ranked.peer_average, 2) as decimal(18, 2)) as diff_to_peer_average_amount,
    case when ranked.peer_average > 0
         then cast(ranked.actual_amount as double) / cast(ranked.peer_average as double) - 1 end as pct_vs_peer_average
from ranked
left join with_parents as parent
    on parent.period_type = ranked.period_type and parent.period_start = ranked.period_start
    and parent.level = ranked.parent_level and parent.key = ranked.parent_key
