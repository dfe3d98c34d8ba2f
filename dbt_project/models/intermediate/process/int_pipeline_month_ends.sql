-- Each opportunity's state at every month end it was open at (the snapshot date of the as-of month is the
-- as-of date), rebuilt from the stage history: its stage, amount and expected close date as of then (the
-- latest change on or before the snapshot date; before its first recorded change, the first one known,
-- flagged stage_is_estimated), the stage's win probability (int_process_stages), and what the pipeline mart
-- classifies it by: slipped (expected to close within the month as known when the month began, still open
-- at its end), pushed (slipped with a later expected close now), aged, stalled (no stage change and no
-- activity for the configured number of days).

with

settings as (

    select stalled_days, aged_days from {{ ref('stg_config__process_settings') }}

),

opportunities as (

    select opportunity_id, created_on, closed_on, amount, expected_close_date, current_stage
    from {{ ref('int_opportunities_enriched') }}

),

history as (

    select opportunity_id, event_seq, stage, entered_on, amount, expected_close_date, is_stage_change
    from {{ ref('int_opportunity_stage_history') }}

),

stages as (

    select stage, probability from {{ ref('int_process_stages') }} where stage_kind in ('open', 'won', 'lost')

),

month_ends as (

    select
        period_start as month_start,
        case when period_end > {{ as_of_date() }} then {{ as_of_date() }} else period_end end as snapshot_date
    from {{ ref('dim_period') }}
    where period_type = 'month' and period_start <= {{ as_of_date() }}

),

open_at as (

    select o.opportunity_id, m.month_start, m.snapshot_date, o.created_on, o.amount as current_amount,
           o.expected_close_date as current_expected_close, o.current_stage
    from opportunities as o
    inner join month_ends as m
        on o.created_on <= m.snapshot_date
        and (o.closed_on is null or o.closed_on > m.snapshot_date)

),

state as (  -- the latest change on or before the snapshot date, and the latest before the month began

    select
        a.opportunity_id,
        a.month_start,
        max(case when h.entered_on <= a.snapshot_date then h.event_seq end) as seq_now,
        max(case when h.entered_on < a.month_start then h.event_seq end) as seq_month_start,
        max(case when h.entered_on <= a.snapshot_date and h.is_stage_change then h.entered_on end)
            as last_stage_change_on,
        min(h.event_seq) as first_seq
    from open_at as a
    inner join history as h on h.opportunity_id = a.opportunity_id
    group by a.opportunity_id, a.month_start

),

activity as (

    select
        a.opportunity_id,
        a.month_start,
        max(t.activity_date) as last_activity_on
    from open_at as a
    inner join {{ ref('stg_raw__activities') }} as t
        on t.opportunity_id = a.opportunity_id and t.activity_date <= a.snapshot_date
    group by a.opportunity_id, a.month_start

),

resolved as (

    select
        a.opportunity_id,
        a.month_start,
        a.snapshot_date,
        a.created_on,
        coalesce(hn.stage, hf.stage, a.current_stage) as stage,
        s.seq_now is null as stage_is_estimated,
        coalesce(hn.amount, hf.amount, a.current_amount) as amount,
        coalesce(hn.expected_close_date, hf.expected_close_date, a.current_expected_close) as expected_close_date,
        -- as known when the month began; a deal created during the month: its first estimate
        coalesce(hm.expected_close_date, hf.expected_close_date, a.current_expected_close)
            as expected_close_at_month_start,
        greatest(
            coalesce(s.last_stage_change_on, a.created_on),
            coalesce(t.last_activity_on, a.created_on),
            a.created_on
        ) as last_touched_on
    from open_at as a
    left join state as s on s.opportunity_id = a.opportunity_id and s.month_start = a.month_start
    left join history as hn on hn.opportunity_id = a.opportunity_id and hn.event_seq = s.seq_now
    left join history as hm on hm.opportunity_id = a.opportunity_id and hm.event_seq = s.seq_month_start
    left join history as hf on hf.opportunity_id = a.opportunity_id and hf.event_seq = s.first_seq
    left join activity as t on t.opportunity_id = a.opportunity_id and t.month_start = a.month_start

)

select
    r.opportunity_id,
    r.month_start,
    r.snapshot_date,
    r.stage,
    r.stage_is_estimated,
    r.amount,
    st.probability,
    r.amount * st.probability as weighted_amount,
    r.expected_close_date,
    r.expected_close_at_month_start,
    r.expected_close_at_month_start between r.month_start and r.snapshot_date as is_slipped,
    r.expected_close_at_month_start between r.month_start and r.snapshot_date
        and r.expected_close_date > r.snapshot_date as is_pushed,
    {{ days_from('r.created_on', 'r.snapshot_date') }} as age_days,
    {{ days_from('r.created_on', 'r.snapshot_date') }} > cfg.aged_days as is_aged,
    r.last_touched_on,
    {{ days_from('r.last_touched_on', 'r.snapshot_date') }} as idle_days,
    {{ days_from('r.last_touched_on', 'r.snapshot_date') }} >= cfg.stalled_days as is_stalled
from resolved as r
cross join settings as cfg
left join stages as st on st.stage = r.stage
