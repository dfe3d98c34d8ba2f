-- Attainment, grain: period_type x period_start x level x key.
-- actual_amount (CONTRACT.md section 3 measure, with credit for rep level): net_amount of completed
-- lines dated in the period and on or before as_of, less returns recorded in the same period (and on or
-- before as_of) against those lines. A return recorded in a later period is a clawback: it does not
-- change the earlier period's attainment. A row exists where there is an actual or a target, from the
-- first month with sales or targets to the end of the as-of year.

{% set period_types = ['month', 'quarter', 'year'] %}

with

monthly as (

    select * from {{ ref('int_actuals_aggregated') }}

),

actuals as (

    {% for period_type in period_types %}
    select
        '{{ period_type }}' as period_type,
        {{ period_start(period_type, 'order_month') }} as period_start,
        level,
        key,
        sum(case when event_type = 'sale' then amount else 0 end) as sales_amount,
        sum(case when event_type = 'return'
                  and {{ period_start(period_type, 'event_month') }} = {{ period_start(period_type, 'order_month') }}
                 then amount else 0 end) as returns_amount,
        sum(case when event_type = 'return'
                  and {{ period_start(period_type, 'event_month') }} > {{ period_start(period_type, 'order_month') }}
                 then amount else 0 end) as later_returns_amount
    from monthly
    group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

targets as (

    select period_type, period_start, level, key, target_amount, stretch_target_amount, derivation
    from {{ ref('fct_targets') }}
    where period_start <= {{ period_end_of('year', as_of_date()) }}

),

joined as (

    select
        coalesce(actuals.period_type, targets.period_type) as period_type,
        coalesce(actuals.period_start, targets.period_start) as period_start,
        coalesce(actuals.level, targets.level) as level,
        coalesce(actuals.key, targets.key) as key,
        coalesce(actuals.sales_amount, 0) as sales_amount,
        coalesce(actuals.returns_amount, 0) as returns_amount,
        coalesce(actuals.later_returns_amount, 0) as later_returns_amount,
        targets.target_amount,
        targets.stretch_target_amount,
        targets.derivation as target_derivation
    from actuals
    full outer join targets
        on actuals.period_type = targets.period_type
        and actuals.period_start = targets.period_start
        and actuals.level = targets.level
        and actuals.key = targets.key

),

periods as (

    select distinct
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end
    from joined

),

period_days as (

    -- official workdays of the period, and of it up to as_of (dim_period)
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        coalesce(dim_period.workdays_in_period, 0) as workdays_in_period,
        coalesce(dim_period.workdays_elapsed, 0) as workdays_elapsed
    from periods
    left join {{ ref('dim_period') }} as dim_period
        on dim_period.period_type = periods.period_type and dim_period.period_start = periods.period_start

),

final as (

    select
        joined.period_type,
        joined.period_start,
        period_days.period_end,
        {{ period_label('joined.period_type', 'joined.period_start') }} as period_label,
        joined.level,
        joined.key,
        cast(joined.sales_amount - joined.returns_amount as decimal(18, 2)) as actual_amount,
        cast(joined.sales_amount as decimal(18, 2)) as sales_amount,
        cast(joined.returns_amount as decimal(18, 2)) as returns_amount,
        cast(joined.later_returns_amount as decimal(18, 2)) as later_returns_amount,
        joined.target_amount,
        joined.stretch_target_amount,
        joined.target_derivation,
        case
            when joined.target_amount is null or joined.target_amount = 0 then null
            else cast(joined.sales_amount - joined.returns_amount as double) / cast(joined.target_amount as double)
        end as attainment_pct,
        cast(joined.target_amount - (joined.sales_amount - joined.returns_amount) as decimal(18, 2)) as gap_amount,
        {{ period_status('joined.period_start', 'period_days.period_end') }} as period_status,
        cast(period_days.period_end - joined.period_start + 1 as integer) as days_in_period,
        cast(greatest(0, least(period_days.period_end, {{ as_of_date() }}) - joined.period_start + 1) as integer) as days_elapsed,
        cast(period_days.workdays_in_period as integer) as workdays_in_period,
        cast(period_days.workdays_elapsed as integer) as workdays_elapsed,
        -- Run-rate to period end on China's official workdays: actual / workdays elapsed (as_of
        -- included) x workdays in the period. Closed periods carry their actual, future ones NULL.
        case {{ period_status('joined.period_start', 'period_days.period_end') }}
            when 'closed' then cast(joined.sales_amount - joined.returns_amount as decimal(18, 2))
            when 'open' then case when period_days.workdays_elapsed > 0 then cast(round(
                cast(joined.sales_amount - joined.returns_amount as double)
                * period_days.workdays_in_period / period_days.workdays_elapsed, 2) as decimal(18, 2)) end
        end as run_rate_amount

    from joined
    inner join period_days
        on joined.period_type = period_days.period_type
        and joined.period_start = period_days.period_start

)

select
    *,
    case when target_amount is null or target_amount = 0 then null
         else cast(run_rate_amount as double) / cast(target_amount as double) end as projected_attainment_pct
from final
