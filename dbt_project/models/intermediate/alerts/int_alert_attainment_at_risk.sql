-- attainment_at_risk: an open period likely to end below `share` of target: the chance of it (int_attainment_
-- projected.probability_below: the seasonal run-rate and the spread of last year's projection errors at the same
-- point, per level) at least `min_probability`; where last year gives no spread, the projection below `share`.
-- Only once `min_elapsed_share` of the period's workdays are gone (earlier, a projection is mostly noise); not for
-- reps who have left. Money at risk: the gap between target and projection (0 when the projection reaches it).

with

settings as (

    {{ alert_settings('attainment', ['share', 'high_share', 'min_probability']) }}

),

flagged as (

    select projected.*, settings.share, settings.high_share
    from {{ ref('int_attainment_projected') }} as projected
    cross join settings
    where projected.is_projectable
      and coalesce(projected.probability_below >= settings.min_probability, projected.projected_pct < settings.share)

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
        cast(greatest(flagged.target_amount - flagged.projected_amount, 0) as decimal(18, 2)) as money_at_risk,
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
            || case when flagged.probability_below is not null
                    then '; periods projected like this one end below ' || {{ percent_text('flagged.share', 0) }}
                         || ' of target ' || {{ percent_text('flagged.probability_below', 0) }} || ' of the time'
                    else '' end
            || '. Gap ' || {{ money_text('greatest(flagged.target_amount - flagged.projected_amount, 0)') }} || '.'
            as reason_en,
        flagged.period_label || '：预计期末完成 ' || {{ money_text('flagged.projected_amount') }} || '，为目标 '
            || {{ money_text('flagged.target_amount') }} || ' 的 ' || {{ percent_text('flagged.projected_pct', 0) }}
            || '（' || case flagged.basis when 'seasonal run-rate' then '按去年同期进度折算' else '按工作日进度折算' end
            || '）；目前完成 ' || {{ money_text('flagged.actual_amount') }} || '，已过 '
            || {{ percent_text('flagged.elapsed_share', 0) }} || ' 工作日'
            || case when flagged.expected_share is not null
                    then '，去年同期此时公司已完成全期的 ' || {{ percent_text('flagged.expected_share', 0) }} else '' end
            || case when flagged.probability_below is not null
                    then '；按去年同期的预测误差，期末低于目标 ' || {{ percent_text('flagged.share', 0) }}
                         || ' 的概率约 ' || {{ percent_text('flagged.probability_below', 0) }} else '' end
            || '。缺口 ' || {{ money_text('greatest(flagged.target_amount - flagged.projected_amount, 0)') }} || '。'
            as reason_zh

    from flagged
    left join {{ ref('dim_rep') }} as dim_rep on flagged.level = 'rep' and dim_rep.rep_id = flagged.key
    where flagged.level <> 'rep' or dim_rep.is_active

)

select * from final
