-- cancellation_spike: a rep's or region's share of cancelled orders in the recent window against its own baseline.
-- Orders, not lines (a cancelled 3-line order is one cancellation): an order counts as cancelled when one of its
-- lines was cancelled on or before the as-of date. Test: one-sided Fisher exact test of the recent window's
-- cancelled orders against the baseline's (the hypergeometric tail, summed exactly with ln_choose), then
-- Benjamini-Hochberg over every rep and region tested in the run, so ~90 reps tested at once do not make ~1 false
-- alert a month. An alert also needs min_cancelled_orders and a rate at least rate_multiple x the baseline's.

with

settings as (

    {{ alert_settings('cancellation', ['window_days', 'baseline_days', 'min_cancelled_orders', 'min_baseline_orders',
                                       'rate_multiple', 'high_rate_multiple', 'false_discovery_rate']) }}

),

orders as (

    select
        sales.order_id,
        min(sales.rep_id) as rep_id,
        min(sales.region) as region,
        min(sales.order_date) as order_date,
        max(case when sales.status = 'cancelled' and sales.cancelled_date <= {{ as_of_date() }}
                 then 1 else 0 end) as is_cancelled,
        sum(case when sales.status = 'cancelled' and sales.cancelled_date <= {{ as_of_date() }}
                 then sales.net_amount else 0 end) as cancelled_amount
    from {{ ref('fct_sales') }} as sales
    cross join settings
    where sales.order_date <= {{ as_of_date() }}
      and sales.order_date > {{ add_days(as_of_date(), '-(settings.window_days + settings.baseline_days)') }}
    group by sales.order_id

),

windowed as (

    select
        orders.*,
        orders.order_date > {{ add_days(as_of_date(), '-settings.window_days') }} as is_recent
    from orders
    cross join settings

),

entities as (

    select 'rep' as entity_type, rep_id as entity_id, windowed.* from windowed
    where rep_id is not null and 'rep' in {{ alert_setting_list('cancellation', 'levels') }}
    union all
    select 'region' as entity_type, region as entity_id, windowed.* from windowed
    where region is not null and 'region' in {{ alert_setting_list('cancellation', 'levels') }}

),

counts as (

    select
        entity_type,
        entity_id,
        sum(case when is_recent then 1 else 0 end) as recent_orders,
        sum(case when is_recent then is_cancelled else 0 end) as recent_cancelled,
        sum(case when is_recent then 0 else 1 end) as baseline_orders,
        sum(case when is_recent then 0 else is_cancelled end) as baseline_cancelled,
        sum(case when is_recent then cancelled_amount else 0 end) as recent_cancelled_amount
    from entities
    group by entity_type, entity_id

),

tested as (

    -- every entity with a baseline to compare with is one test, whether or not it had a cancellation lately
    select counts.*, counts.recent_orders + counts.baseline_orders as all_orders,
           counts.recent_cancelled + counts.baseline_cancelled as all_cancelled
    from counts
    cross join settings
    where counts.baseline_orders >= settings.min_baseline_orders and counts.recent_orders > 0

),

tail_terms as (

    -- P(X >= recent_cancelled), X ~ Hypergeometric(all_orders, all_cancelled, recent_orders)
    select
        tested.entity_type,
        tested.entity_id,
        sum(exp({{ ln_choose('tested.all_cancelled', 'series.x') }}
                + {{ ln_choose('tested.all_orders - tested.all_cancelled', 'tested.recent_orders - series.x') }}
                - {{ ln_choose('tested.all_orders', 'tested.recent_orders') }})) as p_value
    from tested
    cross join lateral {{ integer_series('tested.recent_cancelled',
                                         'least(tested.all_cancelled, tested.recent_orders)') }} as series(x)
    where tested.recent_cancelled > 0
    group by tested.entity_type, tested.entity_id

),

with_p as (

    select tested.*, least(1.0, coalesce(tail_terms.p_value, 1.0)) as p_value
    from tested
    left join tail_terms
        on tail_terms.entity_type = tested.entity_type and tail_terms.entity_id = tested.entity_id

),

adjusted as (

    {{ with_bh_q_value('with_p', 'p_value', 'tested.entity_type, tested.entity_id') }}

),

flagged as (

    select
        adjusted.*,
        cast(adjusted.recent_cancelled as double) / adjusted.recent_orders as recent_rate,
        cast(adjusted.baseline_cancelled as double) / adjusted.baseline_orders as baseline_rate,
        settings.window_days,
        settings.baseline_days,
        settings.rate_multiple,
        settings.high_rate_multiple
    from adjusted
    cross join settings
    where adjusted.q_value <= settings.false_discovery_rate
      and adjusted.recent_cancelled >= settings.min_cancelled_orders
      and cast(adjusted.recent_cancelled as double) / adjusted.recent_orders
          >= settings.rate_multiple * cast(adjusted.baseline_cancelled as double) / adjusted.baseline_orders

),

final as (

    select
        'cancellation_spike' as alert_type,
        flagged.entity_type,
        flagged.entity_id,
        coalesce(dim_rep.rep_name, flagged.entity_id) as entity_name,
        case when flagged.entity_type = 'rep' then dim_rep.region else flagged.entity_id end as region,
        case when flagged.entity_type = 'rep' then flagged.entity_id end as owner_rep_id,
        case when flagged.recent_rate >= flagged.high_rate_multiple * flagged.baseline_rate
             then 'high' else 'medium' end as severity,
        cast(null as string) as period_type,
        cast(null as date) as period_start,
        cast(flagged.recent_cancelled_amount as decimal(18, 2)) as money_at_risk,
        flagged.recent_rate as metric_value,
        flagged.rate_multiple * flagged.baseline_rate as threshold_value,
        flagged.p_value,
        cast(flagged.recent_cancelled as string) || ' of ' || cast(flagged.recent_orders as string)
            || ' orders cancelled in the last ' || cast(cast(flagged.window_days as integer) as string) || ' days ('
            || {{ percent_text('flagged.recent_rate') }} || ') against ' || {{ percent_text('flagged.baseline_rate') }}
            || ' in the ' || cast(cast(flagged.baseline_days as integer) as string) || ' days before ('
            || cast(flagged.baseline_cancelled as string) || ' of ' || cast(flagged.baseline_orders as string)
            || '); still significant after testing ' || cast(flagged.tests as string)
            || ' reps and regions together (q = ' || {{ fixed_text('flagged.q_value', 4) }} || '). '
            || {{ money_text('flagged.recent_cancelled_amount') }} || ' cancelled.' as reason_en,
        '近 ' || cast(cast(flagged.window_days as integer) as string) || ' 天 ' || cast(flagged.recent_orders as string)
            || ' 笔订单中取消 ' || cast(flagged.recent_cancelled as string) || ' 笔（'
            || {{ percent_text('flagged.recent_rate') }} || '），此前 ' || cast(cast(flagged.baseline_days as integer) as string)
            || ' 天为 ' || {{ percent_text('flagged.baseline_rate') }} || '（' || cast(flagged.baseline_cancelled as string)
            || '/' || cast(flagged.baseline_orders as string) || '）；同时检验 ' || cast(flagged.tests as string)
            || ' 个销售和区域后仍显著（q = ' || {{ fixed_text('flagged.q_value', 4) }} || '）。取消金额 '
            || {{ money_text('flagged.recent_cancelled_amount') }} || '。' as reason_zh

    from flagged
    left join {{ ref('dim_rep') }} as dim_rep
        on flagged.entity_type = 'rep' and dim_rep.rep_id = flagged.entity_id

)

select * from final
