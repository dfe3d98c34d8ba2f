-- customer_churn_risk: a customer silent for longer than its own recent order rate makes likely.
-- The customer's rate is its order days in the rate window before its last order (the last one excluded: the
-- window ends on it), measured against the company's clock in the same window: its customer order days per active
-- customer (company_clock below), so the expectation follows the season (Spring Festival, quarter ends) and the
-- typical customer's pace, not the company's growth by new customers. expected_orders = that share x the clock's
-- advance since the last order. If nothing had changed, no order in that time has probability
-- exp(-expected_orders) (a Poisson process): the p_value; the alert needs `expected_orders` (5) missed. Buyers far
-- more regular than that (AdventureWorks' resellers order about every quarter: a Poisson clock calls a 9-month
-- silence 5 % likely) are flagged sooner: once `regular_expected_orders` are missed and the silence exceeds
-- `regular_gap_multiple` x their longest gap in the rate window. docs/alerts.md has the measured precision and recall.

with

settings as (

    {{ alert_settings('churn', ['expected_orders', 'high_expected_orders', 'rate_window_days', 'min_orders',
                                'min_silence_days', 'max_silence_days', 'regular_expected_orders',
                                'regular_gap_multiple']) }}

),

order_days as (

    -- one row per customer and day with a creditable order (completed, dated on or before the as-of date)
    select customer_id, order_date, sum(net_amount) as net_amount
    from {{ ref('fct_sales') }}
    where is_creditable and customer_id is not null
    group by customer_id, order_date

),

active_spells as (

    -- a customer is active from each order day until its next order or the end of the rate window after it,
    -- whichever comes first (disjoint spells: each active customer counts once a day)
    select
        order_days.order_date as spell_start,
        least(
            coalesce(lead(order_days.order_date) over (
                partition by order_days.customer_id order by order_days.order_date),
                {{ add_days('order_days.order_date', 'settings.rate_window_days') }}),
            {{ add_days('order_days.order_date', 'settings.rate_window_days') }}
        ) as spell_end
    from order_days
    cross join settings

),

active_changes as (

    select spell_start as date, 1 as change from active_spells
    union all
    select spell_end as date, -1 as change from active_spells

),

active_daily as (

    -- each day's customer order days and active customers (spells started by the day and not yet ended)
    select
        dim_date.date,
        coalesce(daily.order_days, 0) as order_days,
        sum(coalesce(changes.change, 0)) over (
            order by dim_date.date rows between unbounded preceding and current row) as active_customers
    from {{ ref('dim_date') }} as dim_date
    left join (select order_date, count(*) as order_days from order_days group by order_date) as daily
        on daily.order_date = dim_date.date
    left join (select date, sum(change) as change from active_changes group by date) as changes
        on changes.date = dim_date.date
    where dim_date.date <= {{ as_of_date() }}

),

company_clock as (

    -- The company's clock: its customer order days per active customer (one with an order in the rate window up
    -- to the day), summed up to and including each day (0 before the first order). Seasonal like the company's
    -- order days (Spring Festival, quarter ends), but a company that grows by adding customers, each of whom gets
    -- a share of a rep's time, does not speed it up: an existing customer's rate is measured against what a
    -- typical customer did, not against the whole company's volume (the demo's active customers doubled in three
    -- years while its order days grew a fifth: on the raw count every older customer looked overdue).
    select
        date,
        sum(case when order_days = 0 then 0.0 else cast(order_days as double) / active_customers end) over (
            order by date rows between unbounded preceding and current row) as clock_to_date
    from active_daily

),

customers as (

    select
        order_days.customer_id,
        max(order_days.order_date) as last_order_date,
        min(order_days.order_date) as first_order_date
    from order_days
    group by order_days.customer_id

),

windows as (

    select
        customers.customer_id,
        customers.last_order_date,
        greatest(
            {{ add_days('customers.last_order_date', '-settings.rate_window_days') }},
            coalesce(dim_customer.created_date, customers.first_order_date)
        ) as window_start,
        {{ days_between('customers.last_order_date', as_of_date()) }} as silence_days
    from customers
    cross join settings
    left join {{ ref('dim_customer') }} as dim_customer on dim_customer.customer_id = customers.customer_id

),

rates as (

    select
        windows.customer_id,
        windows.last_order_date,
        windows.window_start,
        windows.silence_days,
        sum(case when order_days.order_date >= windows.window_start
                  and order_days.order_date < windows.last_order_date then 1 else 0 end) as window_orders,
        sum(case when order_days.order_date > {{ add_days('windows.last_order_date', -365) }}
                 then order_days.net_amount else 0 end) as year_to_last_order_amount
    from windows
    inner join order_days on order_days.customer_id = windows.customer_id
    group by windows.customer_id, windows.last_order_date, windows.window_start, windows.silence_days

),

gaps as (

    -- the longest gap between consecutive order days ending in the rate window, on the company's clock
    select
        windows.customer_id,
        max(ends.clock_to_date - starts.clock_to_date) as longest_gap_clock,
        max({{ days_between('gap_days.previous', 'gap_days.order_date') }}) as longest_gap_days
    from windows
    inner join (
        select customer_id, order_date, lag(order_date) over (partition by customer_id order by order_date) as previous
        from order_days
    ) as gap_days
        on gap_days.customer_id = windows.customer_id
        and gap_days.order_date > windows.window_start and gap_days.order_date <= windows.last_order_date
    inner join company_clock as ends on ends.date = {{ add_days('gap_days.order_date', -1) }}
    inner join company_clock as starts on starts.date = gap_days.previous
    where gap_days.previous is not null
    group by windows.customer_id

),

clocked as (

    select
        rates.*,
        gaps.longest_gap_clock,
        gaps.longest_gap_days,
        -- company order days in [window start, last order) and after the last order up to the as-of date
        coalesce(before_last_order.clock_to_date, 0)
            - coalesce(before_window.clock_to_date, 0) as clock_window,
        coalesce(at_as_of.clock_to_date, 0)
            - coalesce(through_last_order.clock_to_date, 0) as clock_silence
    from rates
    left join company_clock as before_window on before_window.date = {{ add_days('rates.window_start', -1) }}
    left join company_clock as before_last_order
        on before_last_order.date = {{ add_days('rates.last_order_date', -1) }}
    left join company_clock as through_last_order on through_last_order.date = rates.last_order_date
    left join company_clock as at_as_of on at_as_of.date = {{ as_of_date() }}
    left join gaps on gaps.customer_id = rates.customer_id

),

flagged as (

    select
        clocked.*,
        cast(clocked.window_orders as double) * clocked.clock_silence / clocked.clock_window as expected_orders,
        -- the longest gap in units of the customer's mean gap (a Poisson buyer's longest of n gaps is ~ln n + 0.6)
        cast(clocked.window_orders as double) * clocked.longest_gap_clock / clocked.clock_window as longest_gap_ratio,
        settings.expected_orders as poisson_threshold,
        -- a regular buyer (gaps far more even than a Poisson process's) is overdue sooner: past regular_gap_multiple
        -- x its own longest gap, once regular_expected_orders are missed
        greatest(settings.regular_expected_orders,
                 settings.regular_gap_multiple * cast(clocked.window_orders as double) * clocked.longest_gap_clock
                     / clocked.clock_window) as regular_threshold,
        settings.regular_gap_multiple,
        settings.high_expected_orders as high_threshold
    from clocked
    cross join settings
    where clocked.clock_window > 0
      and clocked.window_orders >= settings.min_orders
      and clocked.silence_days >= settings.min_silence_days
      and clocked.silence_days <= settings.max_silence_days

),

final as (

    select
        'customer_churn_risk' as alert_type,
        'customer' as entity_type,
        flagged.customer_id as entity_id,
        coalesce(dim_customer.customer_name, flagged.customer_id) as entity_name,
        dim_customer.region,
        dim_customer.owner_rep_id,
        case when flagged.expected_orders >= flagged.high_threshold then 'high' else 'medium' end as severity,
        cast(null as string) as period_type,
        cast(null as date) as period_start,
        cast(flagged.year_to_last_order_amount as decimal(18, 2)) as money_at_risk,
        flagged.expected_orders as metric_value,
        -- the threshold crossed: the Poisson one when crossed, else the regular buyer's
        case when flagged.expected_orders >= flagged.poisson_threshold then flagged.poisson_threshold
             else flagged.regular_threshold end as threshold_value,
        exp(-flagged.expected_orders) as p_value,
        'No order for ' || cast(flagged.silence_days as string) || ' days (last on '
            || cast(flagged.last_order_date as string) || '); at its recent rate ('
            || cast(flagged.window_orders as string) || ' orders in the '
            || cast({{ days_between('flagged.window_start', 'flagged.last_order_date') }} as string)
            || ' days before) about ' || {{ fixed_text('flagged.expected_orders', 1) }}
            || ' orders were expected since, and '
            || case when flagged.expected_orders >= flagged.poisson_threshold
                    then 'a silence this long happens ' || {{ percent_text('exp(-flagged.expected_orders)', 2) }}
                         || ' of the time if nothing changed'
                    else 'it has ordered regularly: this silence is over '
                         || {{ fixed_text('flagged.regular_gap_multiple', 2) }} || ' times its longest gap of the year ('
                         || cast(flagged.longest_gap_days as string) || ' days)' end
            || '. Worth '
            || {{ money_text('flagged.year_to_last_order_amount') }} || ' in the 12 months to its last order.'
            as reason_en,
        '已 ' || cast(flagged.silence_days as string) || ' 天未下单（最后一次 '
            || cast(flagged.last_order_date as string) || '）；按近期频率（此前 '
            || cast({{ days_between('flagged.window_start', 'flagged.last_order_date') }} as string) || ' 天 '
            || cast(flagged.window_orders as string) || ' 次），此后应有约 ' || {{ fixed_text('flagged.expected_orders', 1) }}
            || ' 次订单；'
            || case when flagged.expected_orders >= flagged.poisson_threshold
                    then '若无变化，沉默这么久的概率仅 ' || {{ percent_text('exp(-flagged.expected_orders)', 2) }}
                    else '该客户一向按期下单，此次间隔已超过近一年最长间隔（' || cast(flagged.longest_gap_days as string)
                         || ' 天）的 ' || {{ fixed_text('flagged.regular_gap_multiple', 2) }} || ' 倍' end
            || '。截至最后一次订单的 12 个月金额 ' || {{ money_text('flagged.year_to_last_order_amount') }} || '。'
            as reason_zh

    from flagged
    left join {{ ref('dim_customer') }} as dim_customer on dim_customer.customer_id = flagged.customer_id
    where flagged.expected_orders >= flagged.poisson_threshold
       or flagged.expected_orders >= flagged.regular_threshold

)

select * from final
