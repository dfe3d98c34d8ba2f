-- Adjustments have no business key: every row is a separate adjustment, nothing is de-duplicated.
with

source as (

    select * from {{ source('raw', 'adjustments') }}

),

renamed as (

    select
        rep_id,
        trim(period) as period,
        {{ period_type_from_label('period') }} as period_type,
        {{ period_start_from_label('period') }} as period_start,
        amount,
        reason,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
