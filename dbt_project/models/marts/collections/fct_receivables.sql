-- Receivables (应收) per order as of the as-of date: invoiced (the order's creditable lines: completed and
-- dated on or before the as-of date), credited back (returns recorded by then), collected (payments naming
-- the order, received by then), open = invoiced - credited - collected, and its age. An order is invoiced on
-- its order date (the contract has no invoice date), so days_outstanding counts from there. Orders with a
-- payment but nothing invoiced (prepaid pending orders, cancelled orders) are here too, with a negative open
-- amount. Payments naming no known order are unapplied cash: in fct_collections, not here.

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

invoiced as (

    select
        order_id,
        sum(case when is_creditable then net_amount else 0 end) as invoiced_amount,
        min(order_date) as order_date
    from lines
    group by order_id

),

order_reps as (

    select order_id, rep_id, customer_id, region, team
    from (
        select
            order_id, rep_id, customer_id, region, team,
            row_number() over (partition by order_id order by net_amount desc, rep_id) as line_rank
        from lines
    ) as ranked
    where line_rank = 1

),

credited as (

    -- returns against creditable lines, recorded on or before the as-of date (int_returns_allocated.is_counted)
    select order_id, sum(allocated_amount) as credited_amount
    from {{ ref('int_returns_allocated') }}
    where is_counted
    group by order_id

),

collected as (

    select order_id, sum(amount) as collected_amount, max(payment_date) as last_payment_date
    from {{ ref('int_payments_attributed') }}
    where is_order_found and not is_after_as_of
    group by order_id

),

orders as (

    select
        invoiced.order_id,
        invoiced.order_date,
        invoiced.invoiced_amount,
        coalesce(credited.credited_amount, 0) as credited_amount,
        coalesce(collected.collected_amount, 0) as collected_amount,
        collected.last_payment_date
    from invoiced
    left join credited on invoiced.order_id = credited.order_id
    left join collected on invoiced.order_id = collected.order_id
    where invoiced.invoiced_amount <> 0 or collected.order_id is not null

),

measured as (

    select
        orders.*,
        cast(orders.invoiced_amount - orders.credited_amount - orders.collected_amount as decimal(18, 4))
            as open_amount,
        {{ dbt.datediff('orders.order_date', as_of_date(), 'day') }} as age_days
    from orders

),

final as (

    select
        measured.order_id,
        measured.order_date,
        order_reps.customer_id,
        order_reps.rep_id,
        order_reps.region,
        order_reps.team,
        cast(measured.invoiced_amount as decimal(18, 4)) as invoiced_amount,
        cast(measured.credited_amount as decimal(18, 4)) as credited_amount,
        cast(measured.collected_amount as decimal(18, 4)) as collected_amount,
        measured.open_amount,
        measured.last_payment_date,
        -- an amount under half a cent is settled: money is reported to the cent
        case when measured.open_amount >= 0.005 then measured.age_days end as days_outstanding,
        case
            when measured.open_amount <= -0.005 then 'overpaid'
            when measured.open_amount < 0.005 then 'settled'
            when measured.age_days <= 30 then '0-30'
            when measured.age_days <= 60 then '31-60'
            when measured.age_days <= 90 then '61-90'
            else '90+'
        end as aging_bucket,
        case
            when measured.open_amount < 0.005 then null
            when measured.age_days <= 30 then 0
            when measured.age_days <= 60 then 31
            when measured.age_days <= 90 then 61
            else 91
        end as aging_days_from,
        {{ as_of_date() }} as as_of_date

    from measured
    left join order_reps on measured.order_id = order_reps.order_id

)

select * from final
