-- Overdue receivables (红圈-style 回款预警), one alert per customer, with the columns of fct_risk_alerts
-- (forecasting/alerts.py unions this model into that table). An order is overdue when money is still open
-- on it more than `overdue_receivable_days` days after its order date (the contract has no invoice date or
-- payment terms; vars in dbt_project.yml). Severity: high when some overdue order is past
-- `overdue_receivable_high_days`, else medium. Customers whose overdue total is below
-- `overdue_receivable_min_amount` raise nothing.

with

receivables as (

    select * from {{ ref('fct_receivables') }}
    where open_amount > 0 and days_outstanding > {{ var('overdue_receivable_days') }}

),

by_customer as (

    select
        customer_id,
        count(*) as overdue_orders,
        sum(open_amount) as overdue_amount,
        max(days_outstanding) as max_days,
        min(order_date) as oldest_order_date
    from receivables
    group by customer_id

),

customers as (

    select customer_id, customer_name, owner_rep_id, region from {{ ref('stg_raw__customers') }}

),

reps as (

    select rep_id, region, region_is_default from {{ ref('stg_raw__reps') }}

)

select
    'overdue_receivable' as alert_type,
    'customer' as entity_type,
    by_customer.customer_id as entity_id,
    coalesce(customers.customer_name, by_customer.customer_id) as entity_name,
    case
        when reps.rep_id is not null and not reps.region_is_default then reps.region
        else coalesce(customers.region, reps.region)
    end as region,
    case when by_customer.max_days > {{ var('overdue_receivable_high_days') }} then 'high' else 'medium' end as severity,
    {{ as_of_date() }} as detected_on,
    cast(null as varchar) as period_type,
    cast(null as date) as period_start,
    cast(by_customer.max_days as double) as metric_value,
    cast({{ var('overdue_receivable_days') }} as double) as threshold_value,
    cast(by_customer.overdue_orders as varchar) || ' order(s) with money open more than '
        || cast({{ var('overdue_receivable_days') }} as varchar) || ' days: '
        || cast(cast(by_customer.overdue_amount as decimal(18, 2)) as varchar) || ' CNY open, oldest order of '
        || cast(by_customer.oldest_order_date as varchar) || ' (' || cast(by_customer.max_days as varchar)
        || ' days); owner ' || coalesce(customers.owner_rep_id, '?') as details,
    customers.owner_rep_id,
    by_customer.overdue_amount,
    by_customer.overdue_orders
from by_customer
left join customers on by_customer.customer_id = customers.customer_id
left join reps on customers.owner_rep_id = reps.rep_id
where by_customer.overdue_amount >= {{ var('overdue_receivable_min_amount') }}
