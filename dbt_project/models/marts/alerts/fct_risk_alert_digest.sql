-- The list each manager reads: their open alerts (new or ongoing) by money at risk, capped at
-- `digest.max_per_manager` (forecasting.yml, default 10). Company-wide alerts (company, product line) form one
-- more list, with manager_id NULL. The manager report and e-mails read this table.

with

settings as (

    {{ alert_settings('digest', ['max_per_manager']) }}

),

open_alerts as (

    select * from {{ ref('fct_risk_alerts') }}
    where status in ('new', 'ongoing')

),

ranked as (

    select
        open_alerts.*,
        row_number() over (
            partition by open_alerts.manager_id
            order by open_alerts.money_at_risk desc, case open_alerts.severity when 'high' then 0 else 1 end,
                     open_alerts.alert_id
        ) as digest_rank,
        count(*) over (partition by open_alerts.manager_id) as manager_open_alerts,
        sum(open_alerts.money_at_risk) over (partition by open_alerts.manager_id) as manager_money_at_risk
    from open_alerts

),

final as (

    select
        ranked.manager_id,
        coalesce(ranked.manager_name, '全公司 / company-wide') as manager_name,
        ranked.digest_rank,
        ranked.manager_open_alerts,
        ranked.manager_money_at_risk,
        ranked.alert_id,
        ranked.alert_type,
        ranked.severity,
        ranked.status,
        ranked.entity_type,
        ranked.entity_id,
        ranked.entity_name,
        ranked.region,
        ranked.owner_id,
        ranked.owner_name,
        ranked.period_type,
        ranked.period_start,
        ranked.money_at_risk,
        ranked.reason_zh,
        ranked.reason_en,
        ranked.first_detected_on,
        ranked.as_of_date
    from ranked
    cross join settings
    where ranked.digest_rank <= settings.max_per_manager

)

select * from final
