-- One opportunity's changes in time order, from the landed stage history (opportunity_stages: exact times)
-- and, after its last landed change (or for an opportunity with none), from the per-run snapshots
-- (int_opportunity_stage_snapshots: times are when a run first saw the change, or the CRM's updated_at).
-- A row whose stage equals the row before it is a change of amount or expected close date only
-- (is_stage_change = false). history_source and is_exact say where each row comes from.

with

landed as (

    select
        opportunity_id,
        stage,
        entered_at,
        amount,
        probability,
        expected_close_date,
        changed_by,
        'landed' as history_source,
        true as is_exact
    from {{ ref('stg_raw__opportunity_stages') }}

),

last_landed as (

    select opportunity_id, max(entered_at) as last_entered_at from landed group by opportunity_id

),

snapshots as (

    select
        s.opportunity_id,
        s.stage,
        s.observed_at as entered_at,
        s.amount,
        cast(null as double) as probability,
        s.expected_close_date,
        cast(null as {{ dbt.type_string() }}) as changed_by,
        'snapshot' as history_source,
        false as is_exact
    from {{ ref('int_opportunity_stage_snapshots') }} as s
    left join last_landed as l on l.opportunity_id = s.opportunity_id
    where l.last_entered_at is null or s.observed_at > l.last_entered_at

),

unioned as (

    select * from landed
    union all
    select * from snapshots

),

stages as (

    select stage, stage_kind, stage_order
    from {{ ref('int_process_stages') }}
    where stage_kind in ('open', 'won', 'lost')

),

sequenced as (

    select
        u.opportunity_id,
        row_number() over (
            partition by u.opportunity_id
            order by u.entered_at, case u.history_source when 'landed' then 0 else 1 end, u.stage
        ) as event_seq,
        u.stage,
        s.stage_kind,
        s.stage_order,
        u.entered_at,
        cast(u.entered_at as date) as entered_on,
        u.amount,
        cast(u.probability as double) as probability,
        u.expected_close_date,
        u.changed_by,
        u.history_source,
        u.is_exact
    from unioned as u
    left join stages as s on s.stage = u.stage

),

flagged as (

    select
        *,
        coalesce(
            stage <> lag(stage) over (partition by opportunity_id order by event_seq), true
        ) as is_stage_change
    from sequenced

)

select
    opportunity_id,
    cast(event_seq as integer) as event_seq,
    stage,
    stage_kind,
    stage_order,
    entered_at,
    entered_on,
    amount,
    probability,
    expected_close_date,
    changed_by,
    history_source,
    is_exact,
    is_stage_change
from flagged
