-- visit_drop: a rep's visits per workday in the recent window against the rep's own baseline window.
-- Test: the exact conditional test of two Poisson rates (given the total, the recent count is binomial with
-- p = recent workdays / all workdays; the lower tail is summed exactly), then Benjamini-Hochberg over every rep
-- tested in the run. Only reps employed through both windows with at least min_baseline_visits are tested (at ~9
-- visits a month, a drop from 2 visits to 0 is chance), and an alert also needs the rate down by `drop_share`.

with

settings as (

    {{ alert_settings('visits', ['window_days', 'baseline_days', 'drop_share', 'high_drop_share',
                                 'min_baseline_visits', 'false_discovery_rate']) }}

),

bounds as (

    select
        {{ add_days(as_of_date(), '-settings.window_days') }} as recent_after,
        {{ add_days(as_of_date(), '-(settings.window_days + settings.baseline_days)') }} as baseline_after
    from settings

),

reps as (

    select dim_rep.rep_id, dim_rep.rep_name, dim_rep.region
    from {{ ref('dim_rep') }} as dim_rep
    cross join bounds
    where dim_rep.is_active and dim_rep.hire_date <= bounds.baseline_after

),

visits as (

    select
        activities.rep_id,
        activities.customer_id,
        activities.activity_date > bounds.recent_after as is_recent
    from {{ ref('stg_raw__activities') }} as activities
    cross join bounds
    where activities.activity_type in {{ alert_setting_list('visits', 'activity_types') }}
      and activities.activity_date <= {{ as_of_date() }}
      and activities.activity_date > bounds.baseline_after

),

workdays as (

    select
        sum(case when dim_date.is_workday and dim_date.date > bounds.recent_after then 1 else 0 end) as recent_days,
        sum(case when dim_date.is_workday and dim_date.date <= bounds.recent_after then 1 else 0 end)
            as baseline_days
    from {{ ref('dim_date') }} as dim_date
    cross join bounds
    where dim_date.date <= {{ as_of_date() }} and dim_date.date > bounds.baseline_after

),

counts as (

    select
        reps.rep_id,
        sum(case when visits.is_recent then 1 else 0 end) as recent_visits,
        sum(case when visits.is_recent then 0 else 1 end) as baseline_visits
    from reps
    inner join visits on visits.rep_id = reps.rep_id
    group by reps.rep_id

),

tested as (

    select
        counts.*,
        counts.recent_visits + counts.baseline_visits as all_visits,
        cast(workdays.recent_days as double) / (workdays.recent_days + workdays.baseline_days) as recent_share,
        workdays.recent_days,
        workdays.baseline_days as baseline_workdays
    from counts
    cross join workdays
    cross join settings
    where counts.baseline_visits >= settings.min_baseline_visits and workdays.recent_days > 0

),

tail_terms as (

    -- P(X <= recent_visits), X ~ Binomial(all_visits, recent_share)
    select
        tested.rep_id,
        sum(exp({{ ln_choose('tested.all_visits', 'series.x') }} + series.x * ln(tested.recent_share)
                + (tested.all_visits - series.x) * ln(1.0 - tested.recent_share))) as p_value
    from tested
    cross join lateral {{ integer_series(0, 'tested.recent_visits') }} as series(x)
    group by tested.rep_id

),

with_p as (

    select tested.*, least(1.0, tail_terms.p_value) as p_value
    from tested
    inner join tail_terms on tail_terms.rep_id = tested.rep_id

),

adjusted as (

    {{ with_bh_q_value('with_p', 'p_value', 'tested.rep_id') }}

),

flagged as (

    select
        adjusted.*,
        cast(adjusted.recent_visits as double) / adjusted.recent_days as recent_rate,
        cast(adjusted.baseline_visits as double) / adjusted.baseline_workdays as baseline_rate,
        settings.window_days,
        settings.baseline_days,
        settings.drop_share,
        settings.high_drop_share
    from adjusted
    cross join settings
    where adjusted.q_value <= settings.false_discovery_rate
      and cast(adjusted.recent_visits as double) / adjusted.recent_days
          <= (1 - settings.drop_share) * adjusted.baseline_visits / adjusted.baseline_workdays

),

unvisited as (

    -- customers the rep visited in the baseline window but not lately, and what they bought in the last year
    select before.rep_id, count(*) as customers, sum(coalesce(sales.amount, 0)) as amount
    from (select distinct rep_id, customer_id from visits where not is_recent and customer_id is not null) as before
    left join (select distinct rep_id, customer_id from visits where is_recent) as lately
        on lately.rep_id = before.rep_id and lately.customer_id = before.customer_id
    left join (
        select customer_id, sum(net_amount) as amount from {{ ref('fct_sales') }}
        where is_creditable and order_date > {{ add_days(as_of_date(), -365) }}
        group by customer_id
    ) as sales on sales.customer_id = before.customer_id
    where lately.customer_id is null
    group by before.rep_id

),

final as (

    select
        'visit_drop' as alert_type,
        'rep' as entity_type,
        flagged.rep_id as entity_id,
        reps.rep_name as entity_name,
        reps.region,
        flagged.rep_id as owner_rep_id,
        case when flagged.recent_rate <= (1 - flagged.high_drop_share) * flagged.baseline_rate
             then 'high' else 'medium' end as severity,
        cast(null as string) as period_type,
        cast(null as date) as period_start,
        cast(coalesce(unvisited.amount, 0) as decimal(18, 2)) as money_at_risk,
        flagged.recent_rate / flagged.baseline_rate as metric_value,
        1 - flagged.drop_share as threshold_value,
        flagged.p_value,
        cast(flagged.recent_visits as string) || ' visits in the last '
            || cast(cast(flagged.window_days as integer) as string) || ' days ('
            || {{ fixed_text('flagged.recent_rate', 2) }} || ' a workday) against '
            || {{ fixed_text('flagged.baseline_rate', 2) }} || ' a workday in the '
            || cast(cast(flagged.baseline_days as integer) as string) || ' days before ('
            || cast(flagged.baseline_visits as string) || ' visits), down '
            || {{ percent_text('1 - flagged.recent_rate / flagged.baseline_rate', 0) }} || '; still significant after testing '
            || cast(flagged.tests as string) || ' reps together (q = ' || {{ fixed_text('flagged.q_value', 4) }} || '). '
            || cast(coalesce(unvisited.customers, 0) as string) || ' customers visited before but not since bought '
            || {{ money_text('coalesce(unvisited.amount, 0)') }} || ' in the last 12 months.' as reason_en,
        '近 ' || cast(cast(flagged.window_days as integer) as string) || ' 天拜访 '
            || cast(flagged.recent_visits as string) || ' 次（每工作日 ' || {{ fixed_text('flagged.recent_rate', 2) }}
            || ' 次），此前 ' || cast(cast(flagged.baseline_days as integer) as string) || ' 天为每工作日 '
            || {{ fixed_text('flagged.baseline_rate', 2) }} || ' 次（' || cast(flagged.baseline_visits as string)
            || ' 次），下降 ' || {{ percent_text('1 - flagged.recent_rate / flagged.baseline_rate', 0) }} || '；同时检验 '
            || cast(flagged.tests as string) || ' 名销售后仍显著（q = ' || {{ fixed_text('flagged.q_value', 4) }}
            || '）。此前拜访、近期未再拜访的 ' || cast(coalesce(unvisited.customers, 0) as string)
            || ' 个客户近 12 个月金额 ' || {{ money_text('coalesce(unvisited.amount, 0)') }} || '。' as reason_zh

    from flagged
    inner join reps on reps.rep_id = flagged.rep_id
    left join unvisited on unvisited.rep_id = flagged.rep_id

)

select * from final
