-- Stage history from snapshots: every run records each opportunity's current stage, status, amount and
-- expected close date when they differ from the last recorded snapshot, so a company that lands no stage
-- history (opportunity_stages) still accumulates one from its first run on. Incremental and never
-- full-refreshed (full_refresh: false): the rows of earlier runs are the history, nothing can rebuild them.
-- Re-running with the same as-of date and the same data appends nothing; a run with an earlier as-of date
-- than the last snapshot of an opportunity appends nothing for it (history only moves forward).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with

current_state as (

    select
        opportunity_id,
        stage,
        status,
        amount,
        expected_close_date,
        updated_at,
        {{ as_of_date() }} as snapshot_date
    from {{ ref('stg_raw__opportunities') }}
    where stage is not null and (created_date is null or created_date <= {{ as_of_date() }})

),

{% if is_incremental() %}

ranked as (

    select
        opportunity_id,
        stage,
        status,
        amount,
        expected_close_date,
        snapshot_date,
        row_number() over (partition by opportunity_id order by snapshot_date desc, snapshot_seq desc) as rk
    from {{ this }}

),

latest as (

    select * from ranked where rk = 1

),

run_seq as (

    select coalesce(max(snapshot_seq), 0) + 1 as snapshot_seq from {{ this }}

),

{% endif %}

changed as (

    select
        c.opportunity_id,
        c.stage,
        c.status,
        c.amount,
        c.expected_close_date,
        c.snapshot_date,
        c.updated_at,
        {% if is_incremental() %}
        p.snapshot_date as previous_snapshot_date,
        r.snapshot_seq
        {% else %}
        cast(null as date) as previous_snapshot_date,
        1 as snapshot_seq
        {% endif %}
    from current_state as c
    {% if is_incremental() %}
    left join latest as p on p.opportunity_id = c.opportunity_id
    cross join run_seq as r
    where p.opportunity_id is null
        or (
            c.snapshot_date >= p.snapshot_date
            and (
                c.stage is distinct from p.stage
                or c.status is distinct from p.status
                or c.amount is distinct from p.amount
                or c.expected_close_date is distinct from p.expected_close_date
            )
        )
    {% endif %}

)

select
    opportunity_id,
    stage,
    status,
    amount,
    expected_close_date,
    snapshot_date,
    cast(snapshot_seq as integer) as snapshot_seq,
    -- When the change most likely happened: the CRM's updated_at when it lies after the previous snapshot and
    -- not after this one; otherwise the snapshot's date (the change happened on or before it).
    case
        when updated_at is not null
            and cast(updated_at as date) <= snapshot_date
            and (previous_snapshot_date is null or cast(updated_at as date) > previous_snapshot_date)
            then updated_at
        else cast(snapshot_date as timestamp)
    end as observed_at,
    case
        when updated_at is not null
            and cast(updated_at as date) <= snapshot_date
            and (previous_snapshot_date is null or cast(updated_at as date) > previous_snapshot_date)
            then 'updated_at'
        else 'snapshot_date'
    end as observed_at_source
from changed
