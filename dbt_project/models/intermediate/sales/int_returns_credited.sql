-- Returns charged back to the reps credited with the returned line, grain: return x order line x
-- credited rep. Each rep carries allocated_amount x split_pct, the same share it was credited.
-- Only returns counted as of as_of (on a creditable line, recorded on or before as_of) appear.
-- Whether a return reduces a period's measure (same period as the order) or is a clawback (a later
-- period) is decided by the consumer per period type.

with

returns as (

    select * from {{ ref('int_returns_allocated') }}
    where is_counted

),

credits as (

    select order_id, line_no, rep_id, line_rep_id, credit_source, split_pct
    from {{ ref('int_sales_credited') }}

),

final as (

    select
        returns.return_id,
        returns.order_id,
        returns.line_no,
        credits.rep_id,
        credits.line_rep_id,
        credits.credit_source,
        credits.split_pct,
        returns.order_date,
        returns.order_month,
        returns.return_date,
        returns.return_month,
        returns.product_line,
        returns.allocated_amount,
        cast({{ money_times('returns.allocated_amount', 'credits.split_pct') }} as decimal(38, 10))
            as credited_returned_amount

    from returns
    inner join credits
        on returns.order_id = credits.order_id
        and returns.line_no = credits.line_no

)

select * from final
