-- Returns allocated to the order lines they reduce (grain: return x order line).
--   * A return naming an existing line goes to that line in full (allocation_method 'line').
--   * A return without line_no (or naming a line that does not exist) applies to the whole order and is
--     spread over the order's completed lines pro rata to their net_amount ('order_pro_rata'); when the
--     order has no completed line, over all its lines; when those lines' net amounts are all <= 0,
--     equally ('order_equal'). Shares keep 6 decimals (the precision of the file's amounts) and the
--     millionths left over go to the lines with the largest remainders (largest remainder method, ties to
--     the largest line), so the shares of a return always add up to its amount exactly.
--   * A return whose order is unknown keeps one row with NULL line_no ('unmatched_order'), so every
--     returned yuan stays traceable; it reduces no attainment.

with

returns as (

    select * from {{ ref('stg_raw__returns') }}

),

lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

line_matched as (

    select
        returns.return_id,
        lines.order_id,
        lines.line_no,
        returns.amount as allocated_amount,
        'line' as allocation_method
    from returns
    inner join lines
        on returns.order_id = lines.order_id
        and returns.line_no = lines.line_no

),

order_level as (

    select returns.*
    from returns
    where not exists (
        select 1 from lines
        where lines.order_id = returns.order_id and lines.line_no = returns.line_no
    )

),

order_lines as (

    select
        order_level.return_id,
        order_level.amount,
        lines.order_id,
        lines.line_no,
        lines.net_amount,
        lines.status,
        bool_or(lines.status = 'completed') over (partition by order_level.return_id) as order_has_completed_line
    from order_level
    inner join lines on order_level.order_id = lines.order_id

),

basis as (

    select
        *,
        sum(greatest(net_amount, 0)) over (partition by return_id) as basis_net_amount
    from order_lines
    where status = 'completed' or not order_has_completed_line

),

-- the return in millionths (the file's precision, docs/commissions.md "Rounding"), split pro rata to the
-- lines' positive net amounts, or equally when none is positive
pools as (

    select
        *,
        cast(round({{ money_times('abs(amount)', '1000000') }}) as bigint) as pool,
        cast(greatest(net_amount, 0) as double) as w
    from basis

),

shares as (

    {{ allocate_cents('pools', 'return_id', 'net_amount desc, line_no') }}

),

order_spread as (

    select
        return_id,
        order_id,
        line_no,
        cast(sign(amount) * cast(alloc_cents as decimal(18, 0)) * 0.000001 as decimal(18, 6)) as allocated_amount,
        case when basis_net_amount > 0 then 'order_pro_rata' else 'order_equal' end as allocation_method
    from shares

),

unmatched as (

    select
        return_id,
        order_id,
        cast(null as integer) as line_no,
        amount as allocated_amount,
        'unmatched_order' as allocation_method
    from returns
    where not exists (select 1 from lines where lines.order_id = returns.order_id)

),

allocations as (

    select * from line_matched
    union all
    select * from order_spread
    union all
    select * from unmatched

),

final as (

    select
        allocations.return_id,
        allocations.order_id,
        allocations.line_no,
        returns.return_date,
        {{ period_start('month', 'returns.return_date') }} as return_month,
        returns.amount as return_amount,
        allocations.allocated_amount,
        allocations.allocation_method,
        case when allocations.allocation_method = 'line' then returns.quantity end as returned_quantity,
        returns.reason,
        lines.order_date,
        lines.order_month,
        lines.rep_id,
        lines.region,
        lines.team,
        lines.product_line,
        lines.status as line_status,
        -- Counted against attainment/credit when the line itself counts and the return happened by as_of.
        coalesce(lines.is_creditable, false) and returns.return_date <= {{ as_of_date() }} as is_counted,

        returns._source_file,
        returns._source_row,
        returns._file_seq

    from allocations
    inner join returns on allocations.return_id = returns.return_id
    left join lines
        on allocations.order_id = lines.order_id
        and allocations.line_no = lines.line_no

)

select * from final
