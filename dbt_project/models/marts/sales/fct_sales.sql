-- Order line grain. Every accepted line is here, cancelled ones included (status 'cancelled', with
-- their amounts, so they stay visible; is_creditable is false and they credit nothing). pending and
-- disputed lines are here too (is_open_order): not creditable until a later extract says completed; and so
-- are held lines (is_held: the rep is unknown, see audit.held_rows; not creditable either).
-- returned_amount: all returns recorded against the line (see int_returns_allocated for how returns
-- without a line number are spread over the order's lines, pro rata to net_amount).

-- Incremental by order month like int_order_lines_enriched (macros/incremental.sql): the touched months
-- include those of orders with new returns.
-- depends_on: {{ ref('int_build_touched_months') }}
{{ config(
    materialized=line_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_order_months() }}",
) }}

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    {% if is_incremental() %}
    where order_month in (select order_month from {{ ref('int_build_touched_months') }})
    {% endif %}

),

returns as (

    select
        order_id,
        line_no,
        sum(allocated_amount) as returned_amount,
        sum(returned_quantity) as returned_quantity,
        count(distinct return_id) as return_count,
        max(return_date) as last_return_date
    from {{ ref('int_returns_allocated') }}
    where line_no is not null
    group by all

),

final as (

    select
        lines.order_id,
        lines.line_no,
        lines.order_date,
        lines.order_month,
        lines.rep_id,
        lines.customer_id,
        lines.product_id,
        lines.product_line,
        lines.region,
        lines.team,
        lines.quantity,
        lines.unit_price,
        lines.gross_amount,
        lines.discount_amount,
        lines.net_amount,
        cast(coalesce(returns.returned_amount, 0) as decimal(18, 6)) as returned_amount,
        returns.returned_quantity,
        coalesce(returns.return_count, 0) as return_count,
        returns.last_return_date,
        lines.net_amount - coalesce(returns.returned_amount, 0) as net_after_returns_amount,
        lines.cost_amount,
        lines.net_amount - lines.cost_amount as gross_margin_amount,
        lines.currency,
        lines.status,
        lines.status in ('pending', 'disputed') as is_open_order,
        lines.cancelled_date,
        lines.has_credit_splits,
        lines.is_creditable,
        lines.is_held,
        lines.is_after_as_of,
        lines.updated_at,

        lines._source_file,
        lines._source_row,
        lines._file_seq

    from lines
    left join returns
        on lines.order_id = returns.order_id
        and lines.line_no = returns.line_no

)

select * from final
