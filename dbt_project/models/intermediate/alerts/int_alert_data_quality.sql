-- Data quality (issue 12) in the columns of risk_alert_columns(): the rule is int_alerts_data_quality (quality
-- folder): a rep_id that is no rep (rows held out of credit; money at risk: the held amount) and a file with rows
-- quarantined at ingestion (money at risk 0: the rows were never read as money).

select
    alert_type,
    entity_type,
    entity_id,
    entity_name,
    region,
    cast(null as {{ dbt.type_string() }}) as owner_rep_id,
    severity,
    period_type,
    period_start,
    -- a quarantined file has no money figure (its rows were never read as money): 0, not unknown
    case when entity_type = 'rep' then cast(metric_value as decimal(18, 2)) else 0 end as money_at_risk,
    metric_value,
    threshold_value,
    cast(null as double) as p_value,
    details as reason_en,
    case
        when entity_type = 'rep' then '数据质量：销售代表编号 "' || entity_id || '" 不在人员名单中，相关记录不计业绩和提成（见 audit.held_rows）'
        else '数据质量：文件 ' || entity_id || ' 有 ' || cast(cast(metric_value as bigint) as {{ dbt.type_string() }})
            || ' 行在导入时被隔离（见 audit.rejected_rows）'
    end as reason_zh
from {{ ref('int_alerts_data_quality') }}
