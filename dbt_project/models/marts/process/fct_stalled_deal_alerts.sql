-- Stalled deals as risk alerts (销售风险预警), in the columns of marts.fct_risk_alerts: open opportunities
-- with no stage change and no activity for process.yml's pipeline.stalled_days (severity high from
-- high_stalled_days), as of the as-of date. forecasting/alerts.py adds these rows to fct_risk_alerts.

with

settings as (

    select stalled_days, high_stalled_days from {{ ref('stg_config__process_settings') }}

),

stalled as (

    select s.*
    from {{ ref('int_pipeline_month_ends') }} as s
    where s.snapshot_date = {{ as_of_date() }} and s.is_stalled

),

opportunities as (

    select opportunity_id, customer_id, owner_rep_id, region, created_on from {{ ref('int_opportunities_enriched') }}

),

customers as (

    select customer_id, customer_name from {{ ref('stg_raw__customers') }}

)

select
    'stalled_deal' as alert_type,
    'opportunity' as entity_type,
    s.opportunity_id as entity_id,
    coalesce(c.customer_name, o.customer_id, s.opportunity_id) as entity_name,
    o.region,
    case when s.idle_days >= cfg.high_stalled_days then 'high' else 'medium' end as severity,
    {{ as_of_date() }} as detected_on,
    cast(null as {{ dbt.type_string() }}) as period_type,
    cast(null as date) as period_start,
    cast(s.idle_days as double) as metric_value,
    cast(cfg.stalled_days as double) as threshold_value,
    'opportunity ' || s.opportunity_id || ': '
        || cast(s.idle_days as {{ dbt.type_string() }}) || ' days without a stage change or activity (since '
        || cast(s.last_touched_on as {{ dbt.type_string() }}) || '), stage ' || coalesce(s.stage, '?')
        || ', amount ¥' || coalesce(cast(cast(round(s.amount, 0) as bigint) as {{ dbt.type_string() }}), '?')
        || ', expected close ' || coalesce(cast(s.expected_close_date as {{ dbt.type_string() }}), '?')
        || ', owner ' || coalesce(o.owner_rep_id, 'unassigned') as details
from stalled as s
cross join settings as cfg
inner join opportunities as o on o.opportunity_id = s.opportunity_id
left join customers as c on c.customer_id = o.customer_id
