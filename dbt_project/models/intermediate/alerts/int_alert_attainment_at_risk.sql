-- attainment_at_risk: the open period's projected attainment (int_attainment_projected: the seasonal run-rate)
-- below `share` of target, once `min_elapsed_share` of the period's workdays are gone (earlier, a projection is
-- mostly noise). Reps who have left are not alerted on. Money at risk: the gap between target and projection.

with

settings as (

    {{ alert_settings('attainment', ['share', 'high_share']) }}

),

flagged as (

    select projected.*, settings.share, settings.high_share
    from {{ ref('int_attainment_projected') }} as projected
    cross join settings
    where projected.is_projectable and projected.projected_pct < settings.share

),

final as (

    select
        'attainment_at_risk' as alert_type,
        flagged.level as entity_type,
        flagged.key as entity_id,
        case flagged.level when 'rep' then coalesce(dim_rep.rep_name, flagged.key)
                           when 'company' then 'company' else flagged.key end as entity_name,
        case flagged.level when 'rep' then dim_rep.region when 'region' then flagged.key end as region,
        case when flagged.level = 'rep' then flagged.key end as owner_rep_id,
        case when flagged.projected_pct < flagged.high_share then 'high' else 'medium' end as severity,
        flagged.period_type,
        flagged.period_start,
        cast(flagged.target_amount - flagged.projected_amount as decimal(18, 2)) as money_at_risk,
        flagged.projected_pct as metric_value,
        flagged.share as threshold_value,
        cast(null as double) as p_value,
        flagged.period_label || ': projected ' || {{ money_text('flagged.projected_amount') }} || ' by '
            || cast(flagged.period_end as string) || ', ' || {{ percent_text('flagged.projected_pct', 0) }}
            || ' of the target ' || {{ money_text('flagged.target_amount') }} || ' (' || flagged.basis || '): '
            || {{ money_text('flagged.actual_amount') }} || ' so far with '
            || {{ percent_text('flagged.elapsed_share', 0) }} || ' of the workdays gone'
            || case when flagged.expected_share is not null
                    then ', when last year the company had made ' || {{ percent_text('flagged.expected_share', 0) }}
                         || ' of the period''s sales' else '' end
            || '. Gap ' || {{ money_text('flagged.target_amount - flagged.projected_amount') }} || '.' as reason_en,
        flagged.period_label || '：预计期末完成 ' || {{ money_text('flagged.projected_amount') }} || '，为目标 '
            || {{ money_text('flagged.target_amount') }} || ' 的 ' || {{ percent_text('flagged.projected_pct', 0) }}
            || '（' || case flagged.basis when 'seasonal run-rate' then '按去年同期进度折算' else '按工作日进度折算' end
            || '）；目前完成 ' || {{ money_text('flagged.actual_amount') }} || '，已过 '
            || {{ percent_text('flagged.elapsed_share', 0) }} || ' 工作日'
            || case when flagged.expected_share is not null
                    then '，去年同期此时公司已完成全期的 ' || {{ percent_text('flagged.expected_share', 0) }} else '' end
            || '。缺口 ' || {{ money_text('flagged.target_amount - flagged.projected_amount') }} || '。' as reason_zh

    from flagged
    left join {{ ref('dim_rep') }} as dim_rep on flagged.level = 'rep' and dim_rep.rep_id = flagged.key
    where flagged.level <> 'rep' or dim_rep.is_active

)

select * from final
