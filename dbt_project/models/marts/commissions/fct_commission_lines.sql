-- Commission lines (CONTRACT.md section 4), grain: one row per line_id (rep x plan period x source).
-- Open (provisional) statements: the lines computed from today's data. Closed statements: the lines
-- frozen by `salesperf close-period`, unchanged. A difference between a closed statement and today's
-- recomputation becomes one `restatement` line in the plan period holding the as-of date
-- (fct_commission_restatements). Statements are the sums of these lines, cent for cent.

with

closed as (

    select rep_id, plan_id, period_start from {{ ref('stg_ledger__closed_statements') }}

),

computed as (

    select c.*, false as is_frozen
    from {{ ref('int_commission_lines_computed') }} as c
    anti join closed using (rep_id, plan_id, period_start)

),

frozen as (

    select
        line_id, rep_id, plan_id, period_type, period_start, line_type, order_id, line_no, source_id,
        source_rep_id, restates_period_start, amount, explanation, true as is_frozen
    from {{ ref('stg_ledger__closed_lines') }}

),

restatements as (

    select
        r.rep_id || '|' || r.plan_id || '|' || strftime(r.restated_in_period_start, '%Y-%m-%d')
            || '|restatement|||' || strftime(r.period_start, '%Y-%m-%d') as line_id,
        r.rep_id,
        r.plan_id,
        r.period_type,
        r.restated_in_period_start as period_start,
        'restatement' as line_type,
        cast(null as varchar) as order_id,
        cast(null as integer) as line_no,
        'restates:' || strftime(r.period_start, '%Y-%m-%d') as source_id,
        cast(null as varchar) as source_rep_id,
        r.period_start as restates_period_start,
        r.open_difference as amount,
        r.open_difference as unrounded_amount,
        'restatement of closed ' || r.period_label || ': recomputed ' || {{ yuan('r.after_payable') }}
            || ' vs paid ' || {{ yuan('r.before_payable + r.already_restated') }}
            || ' (' || r.changed_row_count || ' source rows changed)' as explanation,
        false as is_frozen
    from {{ ref('fct_commission_restatements') }} as r
    anti join closed
        on closed.rep_id = r.rep_id and closed.plan_id = r.plan_id
        and closed.period_start = r.restated_in_period_start
    where r.open_difference <> 0

),

unioned as (

    select * from computed
    union all by name select * from frozen
    union all by name select * from restatements

),

final as (

    select
        line_id,
        rep_id,
        plan_id,
        period_type,
        period_start,
        {{ period_label('period_type', 'period_start') }} as period_label,
        line_type,
        order_id,
        line_no,
        source_id,
        source_rep_id,
        restates_period_start,
        amount,
        unrounded_amount,
        explanation,
        is_frozen
    from unioned

)

select * from final
