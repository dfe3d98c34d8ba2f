-- Stalled deals (issue 17) in the columns of risk_alert_columns(): the rule is marts.fct_stalled_deal_alerts
-- (thresholds: process.yml, pipeline); money at risk is the deal's amount, the owner its owner rep (none for an
-- unassigned lead).

select
    alerts.alert_type,
    alerts.entity_type,
    alerts.entity_id,
    alerts.entity_name,
    alerts.region,
    opportunities.owner_rep_id,
    alerts.severity,
    alerts.period_type,
    alerts.period_start,
    cast(coalesce(opportunities.amount, 0) as decimal(18, 2)) as money_at_risk,  -- a deal without an amount: 0
    alerts.metric_value,
    alerts.threshold_value,
    cast(null as double) as p_value,
    alerts.details as reason_en,
    '商机停滞：' || alerts.entity_id || ' 已 ' || cast(cast(alerts.metric_value as integer) as {{ dbt.type_string() }})
        || ' 天没有阶段变化或跟进（阈值 ' || cast(cast(alerts.threshold_value as integer) as {{ dbt.type_string() }})
        || ' 天）' as reason_zh
from {{ ref('fct_stalled_deal_alerts') }} as alerts
left join {{ ref('stg_raw__opportunities') }} as opportunities on opportunities.opportunity_id = alerts.entity_id
