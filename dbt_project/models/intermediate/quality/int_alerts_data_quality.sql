-- Data-quality alerts (alert_type 'data_quality'), with the columns of marts.fct_risk_alerts, into which
-- forecasting/alerts.py unions them (docs/data_quality.md "Alerts"):
-- - one 'high' alert per unknown rep whose rows are held out of credit and commission (int_rows_held): the fix
--   is a reps export that names the rep (or a corrected export), and the money waits until then;
-- - one 'medium' alert per landing file with rows quarantined at ingestion (audit.rejected_rows): those rows
--   are not in any figure until a corrected export replaces them.

with

held as (

    select * from {{ ref('int_rows_held') }}

),

held_by_rep as (

    select
        rep_id,
        count(*) as held_rows,
        count(*) filter (where entity = 'orders') as order_lines,
        count(*) filter (where entity = 'credit_splits') as splits,
        count(*) filter (where entity = 'adjustments') as adjustments,
        coalesce(sum(amount), 0) as held_amount,
        string_agg(file || ' row ' || row_number, ', ' order by file, row_number) as rows_list
    from held
    group by rep_id

),

rejected as (

    select * from {{ ref('stg_audit__rejected_rows') }}

),

rejected_by_file as (

    select
        entity,
        file,
        count(*) as rejected_rows,
        arg_min(reason, row_number) as first_reason,
        min(row_number) as first_row
    from rejected
    group by entity, file

),

held_alerts as (

    select
        'data_quality' as alert_type,
        'rep' as entity_type,
        rep_id as entity_id,
        rep_id as entity_name,
        cast(null as varchar) as region,
        'high' as severity,
        {{ as_of_date() }} as detected_on,
        cast(null as varchar) as period_type,
        cast(null as date) as period_start,
        cast(held_amount as double) as metric_value,
        cast(0 as double) as threshold_value,
        format(
            'rep_id "{}" is not in reps: {} row(s) held out of credit and commission ({} order lines, {} credit '
            || 'splits, {} adjustments; {}); audit.held_rows: {}',
            rep_id, held_rows, order_lines, splits, adjustments, format('¥{:,.2f}', held_amount),
            left(rows_list, 300)
        ) as details
    from held_by_rep

),

quarantine_alerts as (

    select
        'data_quality' as alert_type,
        'file' as entity_type,
        file as entity_id,
        file as entity_name,
        cast(null as varchar) as region,
        'medium' as severity,
        {{ as_of_date() }} as detected_on,
        cast(null as varchar) as period_type,
        cast(null as date) as period_start,
        cast(rejected_rows as double) as metric_value,
        cast(0 as double) as threshold_value,
        format(
            '{}: {} row(s) quarantined at ingestion and left out of every figure (audit.rejected_rows), e.g. row {}: {}',
            file, rejected_rows, first_row, left(first_reason, 200)
        ) as details
    from rejected_by_file

),

final as (

    select * from held_alerts
    union all
    select * from quarantine_alerts

)

select * from final
