-- Risk alerts (销售风险预警) with their history: one row per alert episode (an alert detected at consecutive runs;
-- one that resolves and fires again later starts a new episode), from int_risk_alert_log's runs up to the as-of
-- date. status: new (first detected by this run), ongoing (detected by this run and the one before), resolved (not
-- detected by this run: resolved_on is the first run that no longer found it). The figures are those of the
-- episode's last detection. Order for reading: open alerts by money at risk.

with

log as (

    select * from {{ ref('int_risk_alert_log') }}
    where detected_on <= {{ as_of_date() }}

),

runs as (

    select detected_on as run_date, row_number() over (order by detected_on) as run_no
    from log
    where is_run_marker

),

current_run as (

    select max(run_no) as run_no from runs

),

detections as (

    select
        log.*,
        runs.run_no,
        -- consecutive runs of the same alert share an island number
        runs.run_no - row_number() over (partition by log.alert_id order by runs.run_no) as island
    from log
    inner join runs on runs.run_date = log.detected_on
    where not log.is_run_marker

),

episodes as (

    select
        alert_id,
        island,
        min(run_no) as first_run_no,
        max(run_no) as last_run_no,
        min(detected_on) as first_detected_on,
        max(detected_on) as last_detected_on,
        count(*) as runs_detected
    from detections
    group by alert_id, island

),

final as (

    select
        episodes.alert_id,
        latest.alert_type,
        latest.entity_type,
        latest.entity_id,
        latest.entity_name,
        latest.region,
        latest.owner_id,
        latest.owner_name,
        latest.manager_id,
        latest.manager_name,
        latest.severity,
        case
            when episodes.last_run_no < current_run.run_no then 'resolved'
            when episodes.first_run_no = current_run.run_no then 'new'
            else 'ongoing'
        end as status,
        latest.period_type,
        latest.period_start,
        latest.money_at_risk,
        latest.metric_value,
        latest.threshold_value,
        latest.p_value,
        latest.reason_en,
        latest.reason_zh,
        latest.reason_en as details,
        episodes.first_detected_on,
        episodes.last_detected_on,
        resolved_run.run_date as resolved_on,
        episodes.runs_detected,
        episodes.last_detected_on as detected_on,
        {{ as_of_date() }} as as_of_date
    from episodes
    cross join current_run
    inner join detections as latest
        on latest.alert_id = episodes.alert_id and latest.run_no = episodes.last_run_no
    left join runs as resolved_run on resolved_run.run_no = episodes.last_run_no + 1

)

select * from final
