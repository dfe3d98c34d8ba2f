-- Period-end projection of every open period with a target (the levels and period types of the attainment rule),
-- three ways, so the rule and `make bench` can compare them (docs/alerts.md):
-- - plain run-rate: actual to date / workdays elapsed x workdays in the period (fct_attainment.run_rate_amount);
-- - seasonal run-rate (the rule's projection): actual to date / the share of last year's same period that the
--   company had sold by the same point, counted in workdays. Quarter-end pushes, the Spring Festival slump and
--   the December peak are then in the expectation instead of being read as a rep falling behind. Falls back to
--   the plain run-rate where last year's period has no sales;
-- - forecast: the period's complete months' actuals + max(forecast, actual so far) for the as-of month + the
--   published forecast for the months after it (levels with a forecast: company, region, product line, rep).
-- How far to trust the seasonal projection is measured on last year's same period, at the same workday: each
-- entity's last-year sales to that day / the company's share then, against how its period really ended. Their
-- relative errors' standard deviation per level (reps are noisier than regions) gives probability_below: the
-- chance the period ends below `share` of target if errors are normal, Phi((share / projected - 1) / sigma).

with

settings as (

    {{ alert_settings('attainment', ['min_elapsed_share', 'share']) }}

),

open_periods as (

    select
        attainment.period_type,
        attainment.period_start,
        attainment.period_end,
        attainment.period_label,
        attainment.level,
        attainment.key,
        attainment.target_amount,
        attainment.actual_amount,
        attainment.run_rate_amount,
        attainment.workdays_elapsed,
        attainment.workdays_in_period
    from {{ ref('fct_attainment') }} as attainment
    where attainment.period_status = 'open'
      and attainment.target_amount > 0
      and attainment.period_type in {{ alert_setting_list('attainment', 'period_types') }}
      and attainment.level in {{ alert_setting_list('attainment', 'levels') }}

),

periods as (

    select distinct
        period_type,
        period_start,
        period_end,
        workdays_elapsed,
        workdays_in_period,
        cast({{ add_months('period_start', -12) }} as date) as last_year_start,
        {{ add_days('cast(' ~ add_months(add_days('period_end', 1), -12) ~ ' as date)', -1) }} as last_year_end
    from open_periods

),

company_daily as (

    select order_date, sum(net_amount) as net_amount
    from {{ ref('fct_sales') }}
    where is_creditable
    group by order_date

),

last_year_days as (

    -- last year's same period day by day: workdays so far and the company's sales so far
    select
        periods.period_type,
        periods.period_start,
        dim_date.date,
        sum(case when dim_date.is_workday then 1 else 0 end) over (
            partition by periods.period_type, periods.period_start order by dim_date.date
            rows between unbounded preceding and current row) as workdays_to_date,
        sum(coalesce(company_daily.net_amount, 0)) over (
            partition by periods.period_type, periods.period_start order by dim_date.date
            rows between unbounded preceding and current row) as sales_to_date
    from periods
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date >= periods.last_year_start and dim_date.date <= periods.last_year_end
    left join company_daily on company_daily.order_date = dim_date.date

),

last_year_totals as (

    select period_type, period_start, max(workdays_to_date) as workdays, max(sales_to_date) as sales
    from last_year_days
    group by period_type, period_start

),

shapes as (

    -- the share of last year's period sold by the same workday (this year's elapsed share of workdays, mapped
    -- onto last year's workdays)
    select
        periods.period_type,
        periods.period_start,
        cast(periods.workdays_elapsed as double) / periods.workdays_in_period as elapsed_share,
        max(case when last_year_days.workdays_to_date
                      <= round(cast(periods.workdays_elapsed as double) * totals.workdays / periods.workdays_in_period)
                 then last_year_days.sales_to_date else 0 end)
            / max(totals.sales) as expected_share,
        -- the same point in last year's period: its last day up to that workday
        max(case when last_year_days.workdays_to_date
                      <= round(cast(periods.workdays_elapsed as double) * totals.workdays / periods.workdays_in_period)
                 then last_year_days.date end) as last_year_cut
    from periods
    inner join last_year_totals as totals
        on totals.period_type = periods.period_type and totals.period_start = periods.period_start
    inner join last_year_days
        on last_year_days.period_type = periods.period_type and last_year_days.period_start = periods.period_start
    where periods.workdays_in_period > 0 and totals.sales > 0
    group by periods.period_type, periods.period_start, periods.workdays_elapsed, periods.workdays_in_period

),

last_year_entities as (

    -- every entity's sales in last year's period, to the same workday and in all (creditable lines, by the
    -- line's own rep, team, region and product line: close enough to measure the projection's spread)
    select
        shapes.period_type,
        shapes.period_start,
        entity.level,
        entity.key,
        sum(case when entity.order_date <= shapes.last_year_cut then entity.net_amount else 0 end) as to_cut_amount,
        sum(entity.net_amount) as total_amount,
        max(shapes.expected_share) as expected_share
    from shapes
    inner join periods
        on periods.period_type = shapes.period_type and periods.period_start = shapes.period_start
    inner join (
        {% for level, key in [('company', "''"), ('region', 'region'), ('team', 'team'), ('rep', 'rep_id'),
                              ('product_line', 'product_line')] %}
        select '{{ level }}' as level, {{ key }} as key, order_date, net_amount
        from {{ ref('fct_sales') }}
        where is_creditable and {{ key }} is not null
          and '{{ level }}' in {{ alert_setting_list('attainment', 'levels') }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as entity
        on entity.order_date >= periods.last_year_start and entity.order_date <= periods.last_year_end
    group by shapes.period_type, shapes.period_start, entity.level, entity.key

),

spreads as (

    -- per level: the standard deviation of last year's relative projection errors (final / projected - 1)
    select
        period_type,
        period_start,
        level,
        count(*) as entities,
        stddev_samp(total_amount * expected_share / to_cut_amount - 1) as relative_error_sd
    from last_year_entities
    where to_cut_amount > 0 and total_amount > 0 and expected_share > 0
    group by period_type, period_start, level

),

months as (

    -- the open periods' months: actual for the complete ones, forecast (or the actual so far, if higher) after
    select
        open_periods.period_type,
        open_periods.period_start,
        open_periods.level,
        open_periods.key,
        sum(case when month_rows.period_start <= {{ last_complete_month() }} then month_rows.actual_amount end)
            as complete_months_amount,
        sum(case when month_rows.period_start > {{ last_complete_month() }}
                 then greatest(coalesce(forecast.forecast_amount, 0),
                               case when month_rows.period_start <= {{ as_of_date() }}
                                    then month_rows.actual_amount else 0 end) end) as forecast_months_amount,
        count(forecast.month) as forecast_months
    from open_periods
    inner join {{ ref('fct_attainment') }} as month_rows
        on month_rows.period_type = 'month' and month_rows.level = open_periods.level
        and month_rows.key = open_periods.key
        and month_rows.period_start >= open_periods.period_start
        and month_rows.period_start <= open_periods.period_end
    left join {{ ref('stg_forecasting__sales_forecast') }} as forecast
        on forecast.level = open_periods.level and forecast.key = open_periods.key
        and forecast.month = month_rows.period_start
    group by open_periods.period_type, open_periods.period_start, open_periods.level, open_periods.key

),

projected as (

    select
        open_periods.*,
        shapes.elapsed_share,
        shapes.expected_share,
        case when shapes.expected_share > 0
             then cast(open_periods.actual_amount as double) / shapes.expected_share
             else cast(open_periods.run_rate_amount as double) end as projected_amount,
        case when shapes.expected_share > 0 then 'seasonal run-rate' else 'run-rate' end as basis,
        -- a forecast projection needs a forecast for every month after the last complete one
        case when months.forecast_months > 0
             then coalesce(months.complete_months_amount, 0) + months.forecast_months_amount end
            as forecast_projection_amount,
        spreads.relative_error_sd
    from open_periods
    left join shapes
        on shapes.period_type = open_periods.period_type and shapes.period_start = open_periods.period_start
    left join months
        on months.period_type = open_periods.period_type and months.period_start = open_periods.period_start
        and months.level = open_periods.level and months.key = open_periods.key
    left join spreads
        on spreads.period_type = open_periods.period_type and spreads.period_start = open_periods.period_start
        and spreads.level = open_periods.level

),

final as (

    select
        projected.period_type,
        projected.period_start,
        projected.period_end,
        projected.period_label,
        projected.level,
        projected.key,
        cast(projected.target_amount as double) as target_amount,
        cast(projected.actual_amount as double) as actual_amount,
        projected.workdays_elapsed,
        projected.workdays_in_period,
        coalesce(projected.elapsed_share,
                 cast(projected.workdays_elapsed as double) / nullif(projected.workdays_in_period, 0))
            as elapsed_share,
        projected.expected_share,
        projected.basis,
        projected.projected_amount,
        projected.projected_amount / projected.target_amount as projected_pct,
        cast(projected.run_rate_amount as double) as plain_run_rate_amount,
        cast(projected.run_rate_amount as double) / projected.target_amount as plain_run_rate_pct,
        projected.forecast_projection_amount,
        projected.forecast_projection_amount / projected.target_amount as forecast_pct,
        projected.relative_error_sd,
        case
            when projected.projected_amount <= 0 then 1.0
            when projected.relative_error_sd > 0 then {{ normal_cdf(
                '(settings.share * projected.target_amount / projected.projected_amount - 1)'
                ~ ' / projected.relative_error_sd') }}
        end as probability_below,
        coalesce(projected.elapsed_share, 0) >= settings.min_elapsed_share as is_projectable
    from projected
    cross join settings

)

select * from final
