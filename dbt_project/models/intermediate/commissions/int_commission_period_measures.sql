-- Measure, target and attainment of every rep x plan x period (int_commission_periods), summed from
-- int_commission_measure_lines. attainment_pct is a ratio (1.0 = 100%); NULL without a positive target.

with

periods as (

    select * from {{ ref('int_commission_periods') }}

),

measures as (

    select
        rep_id, plan_id, period_start,
        sum(measure_amount) as measure_amount,
        count(*) as measure_line_count
    from {{ ref('int_commission_measure_lines') }}
    group by all

),

final as (

    select
        periods.*,
        cast(coalesce(measures.measure_amount, 0) as decimal(38, 10)) as measure_amount,
        coalesce(measures.measure_line_count, 0) as measure_line_count,
        case when periods.target_amount > 0
            then cast(coalesce(measures.measure_amount, 0) as double) / cast(periods.target_amount as double)
        end as attainment_pct

    from periods
    left join measures
        on measures.rep_id = periods.rep_id
        and measures.plan_id = periods.plan_id
        and measures.period_start = periods.period_start

)

select * from final
