-- Manual commission adjustments (landing entity `adjustments`), placed on the rep's plan statement,
-- grain: adjustment row. The plan is the one assigned to the rep on the last assigned day within the
-- adjustment's period (2025-03 or 2025-Q1); the line goes to that plan's period holding the start of
-- the adjustment's period. Adjustments of reps without any plan in that period are not placed (the
-- warn test `commission_adjustments_unplaced` lists them). Adjustments for an unknown rep are held
-- (int_rows_held, audit.held_rows) and never placed. The amount as the file gives it; the statement
-- is rounded once (int_commission_lines_computed).

with

adjustments as (

    select
        adjustments.*,
        {{ period_end('adjustments.period_type', 'adjustments.period_start') }} as period_end,
        row_number() over (order by adjustments._file_seq, adjustments._source_row) as adjustment_seq
    from {{ ref('stg_raw__adjustments') }} as adjustments
    anti join {{ ref('int_rows_held') }} as held
        on held.entity = 'adjustments' and held.file = adjustments._source_file
        and held.row_number = adjustments._source_row
    where adjustments.period_start is not null

),

days as (

    select * from {{ ref('int_commission_assignment_days') }}

),

placed as (

    select
        adjustments.*,
        days.plan_id,
        days.period_type as plan_period_type
    from adjustments
    inner join days
        on days.rep_id = adjustments.rep_id
        and days.day between adjustments.period_start and adjustments.period_end
    -- the last assigned day; on a plan with components (issue 18), its first component
    qualify row_number() over (partition by adjustments.adjustment_seq order by days.day desc, days.plan_id) = 1

),

final as (

    select
        rep_id,
        plan_id,
        plan_period_type as period_type,
        cast(date_trunc(plan_period_type, period_start) as date) as period_start,
        _source_file || ':' || _source_row as source_id,
        period as adjustment_period,
        reason,
        {{ exact_amount('amount') }} as amount,
        'adjustment ' || period || ': ' || coalesce(reason, '') || ' (' || _source_file || ' row '
            || _source_row || ')' as explanation

    from placed

)

select * from final
