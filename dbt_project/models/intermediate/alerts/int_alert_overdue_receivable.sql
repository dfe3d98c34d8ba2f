-- Overdue receivables (回款预警, issue 13) in the columns of risk_alert_columns(): the rule itself is
-- int_alerts_overdue_receivables (collections folder, thresholds: dbt vars overdue_receivable_*); money at risk is
-- the customer's money open past the threshold, the owner the customer's owner rep.

select
    alert_type,
    entity_type,
    entity_id,
    entity_name,
    region,
    owner_rep_id,
    severity,
    period_type,
    period_start,
    cast(coalesce(overdue_amount, 0) as decimal(18, 2)) as money_at_risk,
    metric_value,
    threshold_value,
    cast(null as double) as p_value,
    details as reason_en,
    '回款逾期：' || cast(overdue_orders as {{ dbt.type_string() }}) || ' 笔订单超过 '
        || cast(cast(threshold_value as integer) as {{ dbt.type_string() }}) || ' 天未回款，未回款 ¥'
        || cast(cast(overdue_amount as decimal(18, 2)) as {{ dbt.type_string() }}) || '，最早订单已 '
        || cast(cast(metric_value as integer) as {{ dbt.type_string() }}) || ' 天' as reason_zh
from {{ ref('int_alerts_overdue_receivables') }}
