-- Every rule's alerts of this run in one table (the columns of macros/alerts.sql risk_alert_columns()), with a
-- stable alert_id, the person who owns the alert and the manager whose digest lists it:
-- - owner: the customer's owner rep, the rep, the team's manager, the region's director (company and product
--   line alerts have none);
-- - manager: the owner's manager when the owner is a rep; the owner when the owner is a manager or director
--   (company-wide alerts have none and are listed apart in the digest).
--
-- A new rule: a model returning risk_alert_columns() (int_alert_<rule>.sql beside this one) and ONE line in the
-- list below. Its thresholds go in forecasting.yml's alerts section (salesperf/config/alerts.py).

{%- set rule_models = [
    'int_alert_customer_churn',
    'int_alert_cancellation_spike',
    'int_alert_visit_drop',
    'int_alert_attainment_at_risk',
    'int_alert_thin_pipeline',
    'int_alert_overdue_pipeline',
    'int_alert_overdue_receivable',
    'int_alert_stalled_deal',
    'int_alert_data_quality',
] %}

with

unioned as (

    {% for rule_model in rule_models %}
    select {{ risk_alert_columns() | join(', ') }} from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

people as (

    select rep_id, rep_name, role, region, team, manager_id, is_active from {{ ref('dim_rep') }}

),

team_managers as (

    select team, min(rep_id) as rep_id from people
    where role = 'manager' and is_active and team is not null group by team

),

directors as (

    select region, min(rep_id) as rep_id from people
    where role = 'director' and is_active and region is not null group by region

),

owned as (

    select
        unioned.*,
        coalesce(
            unioned.owner_rep_id,
            case when unioned.entity_type = 'team' then team_managers.rep_id end,
            case when unioned.entity_type = 'region' then directors.rep_id end
        ) as owner_id
    from unioned
    left join team_managers on unioned.entity_type = 'team' and team_managers.team = unioned.entity_id
    left join directors on unioned.entity_type = 'region' and directors.region = unioned.entity_id

),

final as (

    select
        md5(owned.alert_type || '|' || owned.entity_type || '|' || owned.entity_id || '|'
            || coalesce(owned.period_type, '') || '|' || coalesce(cast(owned.period_start as string), ''))
            as alert_id,
        owned.alert_type,
        owned.entity_type,
        owned.entity_id,
        owned.entity_name,
        owned.region,
        owned.owner_id,
        owner.rep_name as owner_name,
        case when owner.role = 'rep' then owner.manager_id else owned.owner_id end as manager_id,
        case when owner.role = 'rep' then manager.rep_name else owner.rep_name end as manager_name,
        owned.severity,
        owned.period_type,
        owned.period_start,
        owned.money_at_risk,
        owned.metric_value,
        owned.threshold_value,
        owned.p_value,
        owned.reason_en,
        owned.reason_zh,
        {{ as_of_date() }} as detected_on
    from owned
    left join people as owner on owner.rep_id = owned.owner_id
    left join people as manager on manager.rep_id = owner.manager_id

)

select * from final
