-- Rows held out of credit and commission (docs/data_quality.md "Held rows"), grain: one landing row.
-- A reference that would pay the wrong person holds the row instead of blocking the run: an order line, a
-- credit split or a manual commission adjustment whose rep_id is not a known rep. Everything else publishes;
-- the held rows wait here (and in audit.held_rows) until a reps export names the rep, when they count again.
-- Only current rows are held: a row a later extract corrected is superseded, not held.

with

reps as (

    select rep_id from {{ ref('stg_raw__reps') }}

),

orders as (

    select * from {{ ref('stg_raw__orders') }}

),

held_orders as (

    select
        'orders' as entity,
        orders._source_file as file,
        orders._source_row as row_number,
        orders.order_id || ' / ' || orders.line_no as row_key,
        orders.order_id,
        orders.line_no,
        orders.rep_id,
        -- at the file's precision (issue 12: money rounded once, where it is reported)
        cast({{ money_times('orders.quantity', 'orders.unit_price') }} - orders.discount_amount as decimal(38, 10))
            as amount
    from orders
    anti join reps on orders.rep_id = reps.rep_id

),

order_amounts as (

    select order_id, sum({{ money_times('quantity', 'unit_price') }} - discount_amount) as net_amount
    from orders
    where status = 'completed'
    group by all

),

held_splits as (

    select
        'credit_splits' as entity,
        splits._source_file as file,
        splits._source_row as row_number,
        splits.order_id || ' -> ' || splits.rep_id as row_key,
        splits.order_id,
        cast(null as integer) as line_no,
        splits.rep_id,
        cast({{ money_times('order_amounts.net_amount', 'splits.split_pct') }} as decimal(38, 10)) as amount
    from {{ ref('stg_raw__credit_splits') }} as splits
    left join order_amounts on splits.order_id = order_amounts.order_id
    anti join reps on splits.rep_id = reps.rep_id

),

held_adjustments as (

    select
        'adjustments' as entity,
        adjustments._source_file as file,
        adjustments._source_row as row_number,
        adjustments.rep_id || ' ' || adjustments.period as row_key,
        cast(null as varchar) as order_id,
        cast(null as integer) as line_no,
        adjustments.rep_id,
        cast(adjustments.amount as decimal(38, 10)) as amount
    from {{ ref('stg_raw__adjustments') }} as adjustments
    anti join reps on adjustments.rep_id = reps.rep_id

),

unioned as (

    select * from held_orders
    union all
    select * from held_splits
    union all
    select * from held_adjustments

),

final as (

    select
        entity,
        file,
        row_number,
        row_key,
        order_id,
        line_no,
        rep_id,
        'rep_id_in_reps' as rule,
        'rep_id "' || rep_id || '" is not in reps: held out of credit and commission until a reps export names '
            || 'this rep' as reason,
        amount
    from unioned

)

select * from final
