-- overdue_pipeline: a rep's open opportunities past their expected close date by more than `grace_days`:
-- pipeline that is probably stale (lost, or closing later than the forecast assumes). One alert per rep, with
-- the count, the amount and the oldest; high severity when the oldest is `high_days` late.

with

settings as (

    {{ alert_settings('overdue_pipeline', ['grace_days', 'high_days', 'min_amount']) }}

),

overdue as (

    select
        open_opps.owner_rep_id as rep_id,
        count(*) as deals,
        sum(open_opps.amount) as amount,
        max(open_opps.days_past_expected_close) as oldest_days
    from {{ ref('int_opportunities_open_as_of') }} as open_opps
    cross join settings
    where open_opps.days_past_expected_close > settings.grace_days and open_opps.owner_rep_id is not null
    group by open_opps.owner_rep_id

),

flagged as (

    select overdue.*, settings.high_days, settings.grace_days
    from overdue
    cross join settings
    where overdue.amount > settings.min_amount

),

final as (

    select
        'overdue_pipeline' as alert_type,
        'rep' as entity_type,
        flagged.rep_id as entity_id,
        dim_rep.rep_name as entity_name,
        dim_rep.region,
        flagged.rep_id as owner_rep_id,
        case when flagged.oldest_days >= flagged.high_days then 'high' else 'medium' end as severity,
        cast(null as string) as period_type,
        cast(null as date) as period_start,
        cast(flagged.amount as decimal(18, 2)) as money_at_risk,
        cast(flagged.oldest_days as double) as metric_value,
        flagged.grace_days as threshold_value,
        cast(null as double) as p_value,
        cast(flagged.deals as string) || ' open deals worth ' || {{ money_text('flagged.amount') }}
            || ' are past their expected close date by more than ' || cast(cast(flagged.grace_days as integer) as string)
            || ' days (the oldest by ' || cast(flagged.oldest_days as string)
            || '): update their close dates or close them, so pipeline coverage and forecasts count them right.'
            as reason_en,
        cast(flagged.deals as string) || ' 个在途商机（共 ' || {{ money_text('flagged.amount') }} || '）已超过预计成交日 '
            || cast(cast(flagged.grace_days as integer) as string) || ' 天以上（最久 '
            || cast(flagged.oldest_days as string) || ' 天）：请更新预计成交日或关闭商机，以免覆盖率和预测失真。'
            as reason_zh

    from flagged
    inner join {{ ref('dim_rep') }} as dim_rep on dim_rep.rep_id = flagged.rep_id
    where dim_rep.is_active

)

select * from final
