-- Monthly seasonality of the plan year, grain: month. Ratio to a centred 2x12 moving average of the
-- company's monthly actual sales over the last `seasonality_years` years of history (trend removed),
-- averaged per calendar month, normalised so the 12 indices average 1.
-- Spring Festival (春节) falls in January or February depending on the year, so the two months are
-- pooled: their joint ratio (Jan + Feb sales over Jan + Feb moving average) is estimated from history
-- and split between the plan year's January and February by their official workdays (dim_date; weekends
-- only where the official calendar does not reach). seasonality source `flat`, or no complete window,
-- gives every month 1/12.

with

policy as (

    select * from {{ ref('int_target_policy') }}

),

monthly as (

    select
        a.order_month as month_start,
        sum(case when a.event_type = 'sale' then a.amount
                 when a.event_month = a.order_month then -a.amount
                 else 0 end) as actual_amount
    from {{ ref('int_actuals_aggregated') }} as a
    cross join policy
    where a.level = 'company'
        and a.order_month >= policy.history_end - to_months(12 * policy.seasonality_years + 6)
        and a.order_month < policy.history_end
    group by all

),

months as (

    -- every month of the window, zero when nothing sold, so the moving average is over calendar months
    select
        cast(m as date) as month_start,
        coalesce(monthly.actual_amount, 0) as actual_amount
    from policy,
        generate_series(policy.history_end - to_months(12 * policy.seasonality_years + 6),
                        policy.history_end - interval 1 month, interval 1 month) as g(m)
    left join monthly on monthly.month_start = cast(g.m as date)

),

centred as (

    select
        month_start,
        actual_amount,
        (sum(actual_amount) over w13
            - 0.5 * (lag(actual_amount, 6) over w + lead(actual_amount, 6) over w)) / 12 as cma,
        count(*) over w13 as window_months
    from months
    window w as (order by month_start),
        w13 as (order by month_start rows between 6 preceding and 6 following)

),

ratios as (

    select
        case when month(month_start) in (1, 2) then 1 else month(month_start) end as month_group,
        year(month_start) as yr,
        sum(actual_amount) as actual_amount,
        sum(cma) as cma
    from centred
    where window_months = 13 and cma > 0
        and month_start >= (select history_end - to_months(12 * seasonality_years) from policy)
    group by all

),

group_index as (

    -- average ratio per month group; the Jan+Feb group's ratio covers two months
    select month_group, avg(actual_amount / cma) as ratio, count(*) as years_used
    from ratios
    group by all

),

plan_months as (

    select
        cast(m as date) as month_start,
        month(m) as month_no,
        case when month(m) in (1, 2) then 1 else month(m) end as month_group
    from policy, generate_series(policy.plan_start, policy.plan_last_month, interval 1 month) as g(m)

),

plan_workdays as (

    select
        plan_months.month_start,
        count(*) filter (where coalesce(dim_date.is_workday, isodow(cast(d.d as date)) <= 5)) as workdays
    from plan_months,
        generate_series(plan_months.month_start, {{ period_end("'month'", 'plan_months.month_start') }},
                        interval 1 day) as d(d)
    left join {{ ref('dim_date') }} as dim_date on dim_date.date = cast(d.d as date)
    group by all

),

raw_index as (

    select
        plan_months.month_start,
        plan_months.month_no,
        group_index.years_used,
        case
            when (select seasonality_source from policy) = 'flat'
                or (select count(*) from group_index) < 11 then 1.0
            when plan_months.month_group = 1
                then 2 * group_index.ratio * plan_workdays.workdays
                     / sum(plan_workdays.workdays) filter (where plan_months.month_group = 1) over ()
            else group_index.ratio
        end as raw_index,
        plan_workdays.workdays
    from plan_months
    left join group_index on group_index.month_group = plan_months.month_group
    left join plan_workdays on plan_workdays.month_start = plan_months.month_start

)

select
    month_start,
    month_no,
    raw_index * 12 / sum(raw_index) over () as seasonality_index,
    raw_index / sum(raw_index) over () as seasonality_share,
    cast(workdays as integer) as workdays,
    case when (select seasonality_source from policy) = 'flat' then 'flat'
         when (select count(*) from group_index) < 11 then 'flat_no_history'
         else 'history' end as seasonality_basis,
    cast(coalesce(years_used, 0) as integer) as years_used
from raw_index
