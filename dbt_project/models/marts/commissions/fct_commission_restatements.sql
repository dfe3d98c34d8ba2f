-- Restatement report: closed commission statements (frozen by `salesperf close-period`) compared with
-- a recomputation on today's data. Grain: rep x plan x closed period.
-- before_payable: the frozen payable, less restatement lines it carried for other periods;
-- after_payable: the recomputed payable; already_restated: restatement lines for this period already
-- frozen in later closed statements; open_difference = after - before - already_restated is booked as
-- a `restatement` line in the plan period holding the as-of date (never into the closed period itself).
-- changed_source_rows names the order lines whose measure contribution changed (order/line: before ->
-- after, with the landing file and row of the line's current version) and the other lines
-- (clawbacks, overrides, adjustments, cap, SPIFs) that appeared, vanished or changed.

with

closed as (

    select * from {{ ref('stg_ledger__closed_statements') }}

),

closed_lines as (

    select * from {{ ref('stg_ledger__closed_lines') }}

),

computed_lines as (

    select * from {{ ref('int_commission_lines_computed') }}

),

recomputed as (

    select
        closed.rep_id, closed.plan_id, closed.period_start,
        coalesce(sum(computed_lines.amount), 0) as after_payable
    from closed
    left join computed_lines
        on computed_lines.rep_id = closed.rep_id
        and computed_lines.plan_id = closed.plan_id
        and computed_lines.period_start = closed.period_start
    group by all

),

restated_before as (

    -- restatement lines frozen in later closed statements, by the period they restate
    select rep_id, plan_id, restates_period_start as period_start, sum(amount) as already_restated
    from closed_lines
    where line_type = 'restatement'
    group by all

),

measure_changes as (

    select
        coalesce(b.rep_id, a.rep_id) as rep_id,
        coalesce(b.plan_id, a.plan_id) as plan_id,
        coalesce(b.period_start, a.period_start) as period_start,
        coalesce(b.order_id, a.order_id) || '/' || coalesce(b.line_no, a.line_no) || ': '
            || coalesce(cast(cast(b.measure_amount as decimal(18, 2)) as varchar), 'absent') || ' -> '
            || coalesce(cast(cast(a.measure_amount as decimal(18, 2)) as varchar), 'absent')
            || coalesce(' (' || o._source_file || ' row ' || o._source_row || ')', '') as change
    from {{ ref('stg_ledger__closed_measure_lines') }} as b
    full outer join (
        select m.* from {{ ref('int_commission_measure_lines') }} as m
        inner join closed using (rep_id, plan_id, period_start)
    ) as a
        on a.rep_id = b.rep_id and a.plan_id = b.plan_id and a.period_start = b.period_start
        and a.order_id = b.order_id and a.line_no = b.line_no
    left join {{ ref('int_order_lines_enriched') }} as o
        on o.order_id = coalesce(b.order_id, a.order_id) and o.line_no = coalesce(b.line_no, a.line_no)
    where b.measure_amount is distinct from a.measure_amount

),

line_changes as (

    select
        coalesce(b.rep_id, a.rep_id) as rep_id,
        coalesce(b.plan_id, a.plan_id) as plan_id,
        coalesce(b.period_start, a.period_start) as period_start,
        coalesce(b.line_type, a.line_type) || ' ' || coalesce(b.source_id, a.source_id)
            || coalesce(' ' || coalesce(b.order_id, a.order_id) || '/' || coalesce(b.line_no, a.line_no), '')
            || ': ' || coalesce(cast(b.amount as varchar), 'absent') || ' -> '
            || coalesce(cast(a.amount as varchar), 'absent') as change
    from (select * from closed_lines where line_type not in ('tier', 'restatement')) as b
    full outer join (
        select c.* from computed_lines as c
        inner join closed using (rep_id, plan_id, period_start)
        where c.line_type <> 'tier'
    ) as a
        on a.line_id = b.line_id
    where b.amount is distinct from a.amount

),

changes as (

    select rep_id, plan_id, period_start, count(*) as changed_row_count,
           string_agg(change, '; ' order by change) as changed_source_rows
    from (select * from measure_changes union all select * from line_changes)
    group by all

),

final as (

    select
        closed.rep_id,
        closed.plan_id,
        closed.period_type,
        closed.period_start,
        closed.period_label,
        closed.closed_at,
        cast(closed.payable - coalesce(closed.restatement, 0) as decimal(18, 2)) as before_payable,
        cast(recomputed.after_payable as decimal(18, 2)) as after_payable,
        cast(coalesce(restated_before.already_restated, 0) as decimal(18, 2)) as already_restated,
        cast(recomputed.after_payable - (closed.payable - coalesce(closed.restatement, 0))
             - coalesce(restated_before.already_restated, 0) as decimal(18, 2)) as open_difference,
        cast(date_trunc(closed.period_type, {{ as_of_date() }}) as date) as restated_in_period_start,
        coalesce(changes.changed_row_count, 0) as changed_row_count,
        changes.changed_source_rows

    from closed
    inner join recomputed using (rep_id, plan_id, period_start)
    left join restated_before using (rep_id, plan_id, period_start)
    left join changes using (rep_id, plan_id, period_start)

)

select * from final
