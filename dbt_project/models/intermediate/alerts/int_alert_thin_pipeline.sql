-- thin_pipeline: open pipeline expected to close between the as-of date and the period's end, below
-- `coverage_multiple` x the target still to win (target - actual to date). Deals already past their expected
-- close date do not count as coverage (they are listed by overdue_pipeline), but the reason names them.

with

settings as (

    {{ alert_settings('pipeline', ['coverage_multiple', 'high_coverage_multiple']) }}

),

periods as (

    select
        attainment.level,
        attainment.key,
        attainment.period_type,
        attainment.period_start,
        attainment.period_end,
        attainment.period_label,
        cast(attainment.target_amount as double) as target_amount,
        cast(attainment.actual_amount as double) as actual_amount,
        cast(attainment.target_amount - attainment.actual_amount as double) as remaining_amount
    from {{ ref('fct_attainment') }} as attainment
    where attainment.period_status = 'open'
      and attainment.period_type in {{ alert_setting_list('pipeline', 'period_type') }}
      and attainment.level in {{ alert_setting_list('pipeline', 'levels') }}
      and attainment.target_amount > attainment.actual_amount

),

opportunities as (

    select open_opps.*, dim_rep.region
    from {{ ref('int_opportunities_open_as_of') }} as open_opps
    left join {{ ref('dim_rep') }} as dim_rep on dim_rep.rep_id = open_opps.owner_rep_id

),

coverage as (

    select
        periods.level,
        periods.key,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.period_label,
        periods.target_amount,
        periods.actual_amount,
        periods.remaining_amount,
        sum(case when opportunities.expected_close_date >= {{ as_of_date() }}
                  and opportunities.expected_close_date <= periods.period_end
                 then opportunities.amount else 0 end) as pipeline_amount,
        sum(case when opportunities.expected_close_date < {{ as_of_date() }} then opportunities.amount else 0 end)
            as overdue_amount,
        sum(case when opportunities.expected_close_date < {{ as_of_date() }} then 1 else 0 end) as overdue_deals
    from periods
    left join opportunities
        on (periods.level = 'rep' and opportunities.owner_rep_id = periods.key)
        or (periods.level = 'region' and opportunities.region = periods.key)
    group by periods.level, periods.key, periods.period_type, periods.period_start, periods.period_end,
             periods.period_label, periods.target_amount, periods.actual_amount, periods.remaining_amount

),

flagged as (

    select coverage.*, coverage.pipeline_amount / coverage.remaining_amount as coverage_ratio,
           settings.coverage_multiple, settings.high_coverage_multiple
    from coverage
    cross join settings
    where coverage.pipeline_amount < settings.coverage_multiple * coverage.remaining_amount

),

final as (

    select
        'thin_pipeline' as alert_type,
        flagged.level as entity_type,
        flagged.key as entity_id,
        case when flagged.level = 'rep' then coalesce(dim_rep.rep_name, flagged.key) else flagged.key end
            as entity_name,
        case when flagged.level = 'rep' then dim_rep.region else flagged.key end as region,
        case when flagged.level = 'rep' then flagged.key end as owner_rep_id,
        case when flagged.coverage_ratio < flagged.high_coverage_multiple then 'high' else 'medium' end as severity,
        flagged.period_type,
        flagged.period_start,
        cast(flagged.remaining_amount - flagged.pipeline_amount as decimal(18, 2)) as money_at_risk,
        flagged.coverage_ratio as metric_value,
        flagged.coverage_multiple as threshold_value,
        cast(null as double) as p_value,
        flagged.period_label || ': open pipeline expected to close by ' || cast(flagged.period_end as string) || ' is '
            || {{ money_text('flagged.pipeline_amount') }} || ', ' || {{ fixed_text('flagged.coverage_ratio', 2) }}
            || 'x the ' || {{ money_text('flagged.remaining_amount') }} || ' still to win (target '
            || {{ money_text('flagged.target_amount') }} || ', ' || {{ money_text('flagged.actual_amount') }}
            || ' so far)'
            || case when flagged.overdue_deals > 0
                    then '; another ' || {{ money_text('flagged.overdue_amount') }} || ' in '
                         || cast(flagged.overdue_deals as string)
                         || ' open deals is past its expected close date (see overdue_pipeline)' else '' end
            || '.' as reason_en,
        flagged.period_label || '：预计在 ' || cast(flagged.period_end as string) || ' 前成交的在途商机 '
            || {{ money_text('flagged.pipeline_amount') }} || '，仅为尚需完成的 '
            || {{ money_text('flagged.remaining_amount') }} || ' 的 ' || {{ fixed_text('flagged.coverage_ratio', 2) }}
            || ' 倍（目标 ' || {{ money_text('flagged.target_amount') }} || '，已完成 '
            || {{ money_text('flagged.actual_amount') }} || '）'
            || case when flagged.overdue_deals > 0
                    then '；另有 ' || cast(flagged.overdue_deals as string) || ' 个商机共 '
                         || {{ money_text('flagged.overdue_amount') }} || ' 已过预计成交日（见 overdue_pipeline）'
                    else '' end
            || '。' as reason_zh

    from flagged
    left join {{ ref('dim_rep') }} as dim_rep on flagged.level = 'rep' and dim_rep.rep_id = flagged.key
    where flagged.level <> 'rep' or dim_rep.is_active

)

select * from final
