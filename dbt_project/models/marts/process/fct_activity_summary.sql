-- Visits and activities per rep x week (ISO, from Monday) and month. Counts by activity type; distinct
-- customers touched; key-account coverage: of the key accounts the rep owns (customers of process.yml's
-- key_account_segments, default: the segment with the highest net sales per customer), the share the rep
-- touched in the key_account_window_days (30) up to the period end (the as-of date for the open period);
-- visit-to-order conversion: of the rep's visits to a customer whose visit_order_window_days (30) have passed
-- by the as-of date, the share followed by an order from that customer within them (the day after the
-- visit to the 30th day); activities per won deal: activities logged on the deals the rep won in the period
-- (whenever logged) / those deals.

with

settings as (

    select * from {{ ref('stg_config__process_settings') }}

),

activities as (

    select a.activity_id, a.rep_id, a.customer_id, a.opportunity_id, a.activity_type, a.activity_date
    from {{ ref('stg_raw__activities') }} as a
    where a.activity_date <= {{ as_of_date() }} and a.rep_id is not null

),

reps as (

    select rep_id, rep_name, region, team, hire_date, termination_date from {{ ref('stg_raw__reps') }}

),

customers as (

    select customer_id, owner_rep_id, coalesce(segment, '') as segment from {{ ref('stg_raw__customers') }}

),

top_segment as (  -- default key-account segment: the highest net sales per customer over the history

    select segment
    from (
        select
            c.segment,
            row_number() over (
                order by sum(d.net_amount) / count(distinct c.customer_id) desc, c.segment
            ) as rk
        from customers as c
        inner join {{ ref('int_customer_order_days') }} as d on d.customer_id = c.customer_id
        where c.segment <> ''
        group by c.segment
    ) as s
    where rk = 1

),

key_accounts as (

    select c.customer_id, c.owner_rep_id as rep_id
    from customers as c
    cross join settings as cfg
    where c.owner_rep_id is not null
        and (
            (cfg.key_account_segments <> '' and {{ in_bar_list('c.segment', 'cfg.key_account_segments') }})
            or (cfg.key_account_segments = '' and c.segment in (select segment from top_segment))
        )

),

period_types as (

    {{ process_period_types(['week', 'month']) }}

),

periods as (  -- weeks and months up to the as-of date, with the day coverage is measured at

    select distinct
        p.period_type,
        {{ period_start_of('p.period_type', 'd.date') }} as period_start
    from {{ ref('dim_date') }} as d
    cross join period_types as p
    where d.date <= {{ as_of_date() }}

),

bounded as (

    select
        period_type,
        period_start,
        case period_type
            when 'week' then {{ plus_days('period_start', 6) }}
            else {{ period_end("'month'", 'period_start') }}
        end as period_end
    from periods

),

dated as (

    select
        a.*,
        p.period_type,
        {{ period_start_of('p.period_type', 'a.activity_date') }} as period_start
    from activities as a
    cross join period_types as p

),

counts as (

    select
        period_type,
        period_start,
        rep_id,
        count(*) as activity_count,
        sum(case when activity_type = 'visit' then 1 else 0 end) as visit_count,
        sum(case when activity_type = 'call' then 1 else 0 end) as call_count,
        sum(case when activity_type = 'meeting' then 1 else 0 end) as meeting_count,
        sum(case when activity_type = 'demo' then 1 else 0 end) as demo_count,
        sum(case when activity_type = 'email' then 1 else 0 end) as email_count,
        sum(case when activity_type not in ('visit', 'call', 'meeting', 'demo', 'email') then 1 else 0 end)
            as other_count,
        count(distinct customer_id) as customers_touched
    from dated
    group by period_type, period_start, rep_id

),

visit_events as (  -- visits to a customer and the customer's order days, in date order (orders first on a day)

    select a.customer_id, a.activity_date as event_date, 1 as kind, a.activity_id, a.rep_id
    from activities as a
    cross join settings as cfg
    where a.customer_id is not null and {{ in_bar_list('a.activity_type', 'cfg.visit_types') }}
    union all
    select d.customer_id, d.order_date, 0, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }})
    from {{ ref('int_customer_order_days') }} as d
    where d.customer_id in (select customer_id from activities)

),

next_orders as (

    select
        activity_id,
        rep_id,
        event_date as visit_date,
        min(case when kind = 0 then event_date end) over (
            partition by customer_id order by event_date, kind
            rows between 1 following and unbounded following
        ) as next_order_date
    from visit_events

),

visits as (

    select
        n.rep_id,
        n.visit_date,
        {{ plus_days('n.visit_date', 'cfg.visit_order_window_days') }} <= {{ as_of_date() }} as window_complete,
        n.next_order_date is not null
            and n.next_order_date <= {{ plus_days('n.visit_date', 'cfg.visit_order_window_days') }} as converted
    from next_orders as n
    cross join settings as cfg
    where n.activity_id is not null

),

conversion as (

    select
        p.period_type,
        {{ period_start_of('p.period_type', 'v.visit_date') }} as period_start,
        v.rep_id,
        sum(case when v.window_complete then 1 else 0 end) as visits_with_window,
        sum(case when v.window_complete and v.converted then 1 else 0 end) as visits_converted
    from visits as v
    cross join period_types as p
    group by 1, 2, 3

),

won as (

    select
        p.period_type,
        {{ period_start_of('p.period_type', 'o.closed_on') }} as period_start,
        o.owner_rep_id as rep_id,
        count(*) as won_deals,
        sum(coalesce(t.activities, 0)) as activities_on_won_deals
    from {{ ref('int_opportunities_enriched') }} as o
    cross join period_types as p
    left join (
        select opportunity_id, count(*) as activities from activities where opportunity_id is not null
        group by opportunity_id
    ) as t on t.opportunity_id = o.opportunity_id
    where o.status = 'won' and o.owner_rep_id is not null and o.closed_on <= {{ as_of_date() }}
    group by 1, 2, 3

),

grid as (  -- every period each rep was employed in and either was active or owns key accounts

    select
        b.period_type,
        b.period_start,
        b.period_end,
        case when b.period_end > {{ as_of_date() }} then {{ as_of_date() }} else b.period_end end as coverage_end,
        r.rep_id
    from bounded as b
    inner join reps as r
        on r.hire_date <= b.period_end and (r.termination_date is null or r.termination_date >= b.period_start)
    where r.rep_id in (select rep_id from activities union select rep_id from key_accounts)

),

coverage as (

    select
        g.period_type,
        g.period_start,
        g.rep_id,
        count(distinct k.customer_id) as key_accounts,
        count(distinct a.customer_id) as key_accounts_touched
    from grid as g
    cross join settings as cfg
    inner join key_accounts as k on k.rep_id = g.rep_id
    left join activities as a
        on a.rep_id = g.rep_id
        and a.customer_id = k.customer_id
        and a.activity_date <= g.coverage_end
        and a.activity_date > {{ plus_days('g.coverage_end', '-cfg.key_account_window_days') }}
    group by g.period_type, g.period_start, g.rep_id

)

select
    g.period_type,
    g.period_start,
    g.period_end,
    case when g.period_type = 'month' then {{ period_label("'month'", 'g.period_start') }}
         else cast(g.period_start as {{ dbt.type_string() }}) end as period_label,
    {{ period_start('quarter', 'g.period_start') }} as quarter_start,
    g.rep_id,
    r.rep_name,
    coalesce(r.region, '未分配') as region,
    r.team,
    cast(coalesce(c.activity_count, 0) as bigint) as activity_count,
    cast(coalesce(c.visit_count, 0) as bigint) as visit_count,
    cast(coalesce(c.call_count, 0) as bigint) as call_count,
    cast(coalesce(c.meeting_count, 0) as bigint) as meeting_count,
    cast(coalesce(c.demo_count, 0) as bigint) as demo_count,
    cast(coalesce(c.email_count, 0) as bigint) as email_count,
    cast(coalesce(c.other_count, 0) as bigint) as other_count,
    cast(coalesce(c.customers_touched, 0) as bigint) as customers_touched,
    cast(coalesce(k.key_accounts, 0) as bigint) as key_accounts,
    cast(coalesce(k.key_accounts_touched, 0) as bigint) as key_accounts_touched,
    {{ safe_ratio('k.key_accounts_touched', 'k.key_accounts') }} as key_account_coverage,
    cast(coalesce(v.visits_with_window, 0) as bigint) as visits_with_window,
    cast(coalesce(v.visits_converted, 0) as bigint) as visits_converted,
    {{ safe_ratio('v.visits_converted', 'v.visits_with_window') }} as visit_to_order_rate,
    cast(coalesce(w.won_deals, 0) as bigint) as won_deals,
    cast(coalesce(w.activities_on_won_deals, 0) as bigint) as activities_on_won_deals,
    {{ safe_ratio('w.activities_on_won_deals', 'w.won_deals') }} as activities_per_won_deal
from grid as g
left join reps as r on r.rep_id = g.rep_id
left join counts as c on c.period_type = g.period_type and c.period_start = g.period_start and c.rep_id = g.rep_id
left join coverage as k on k.period_type = g.period_type and k.period_start = g.period_start and k.rep_id = g.rep_id
left join conversion as v
    on v.period_type = g.period_type and v.period_start = g.period_start and v.rep_id = g.rep_id
left join won as w on w.period_type = g.period_type and w.period_start = g.period_start and w.rep_id = g.rep_id
