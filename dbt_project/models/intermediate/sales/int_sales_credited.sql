-- Sales credit (CONTRACT.md section 3 "Credit"), grain: order line x credited rep.
-- A completed line dated on or before as_of credits its rep_id with net_amount; when the order has
-- credit_splits, each listed rep is credited net_amount x split_pct instead (splits may total more than
-- 1: overlay credit). Cancelled lines and lines dated after as_of credit nothing and are absent. A split
-- naming an unknown rep is held (int_rows_held): its share credits nobody until the rep is known, and the
-- order's line rep never gets it in its place.
-- Reused by attainment (rep level) and by the commission engine.
-- A view: recomputing it from the int_order_lines_enriched table is a scan and a small hash join,
-- cheaper than writing another ~10M-row table on every build.
{{ config(materialized='view') }}

with

lines as (

    select * from {{ ref('int_order_lines_enriched') }}
    where is_creditable

),

splits as (

    select splits.order_id, splits.rep_id, splits.split_pct
    from {{ ref('stg_raw__credit_splits') }} as splits
    anti join {{ ref('int_rows_held') }} as held
        on held.entity = 'credit_splits' and held.order_id = splits.order_id and held.rep_id = splits.rep_id

),

final as (

    -- One pass: an order with splits matches one row per split rep, an order without keeps its line rep.
    select
        lines.order_id,
        lines.line_no,
        coalesce(splits.rep_id, lines.rep_id) as rep_id,
        lines.rep_id as line_rep_id,
        case when splits.order_id is not null then 'split' else 'line_rep' end as credit_source,
        coalesce(splits.split_pct, cast(1 as decimal(12, 6))) as split_pct,
        lines.order_date,
        lines.order_month,
        lines.customer_id,
        lines.product_id,
        lines.product_line,
        lines.quantity,
        case when splits.order_id is null then lines.quantity
             else cast(cast(lines.quantity as decimal(38, 4)) * splits.split_pct as decimal(18, 4)) end
            as credited_quantity,
        lines.net_amount,
        -- exact without splits; a split share is carried to the 10th decimal
        case when splits.order_id is null then lines.net_amount
             else cast(lines.net_amount * splits.split_pct as decimal(38, 10)) end as credited_amount,
        case when splits.order_id is null then lines.net_amount - lines.cost_amount
             else cast((lines.net_amount - lines.cost_amount) * splits.split_pct as decimal(38, 10)) end
            as credited_gross_margin_amount

    from lines
    left join splits on lines.order_id = splits.order_id
    -- an order with splits credits only its split reps (all of its splits held: nobody)
    where splits.order_id is not null or not lines.has_credit_splits

)

select * from final
