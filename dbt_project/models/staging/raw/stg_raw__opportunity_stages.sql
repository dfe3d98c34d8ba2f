with

source as (

    select * from {{ source('raw', 'opportunity_stages') }}

),

renamed as (

    select
        opportunity_id,
        trim(stage) as stage,
        entered_at,
        amount,
        probability,
        changed_by,
        expected_close_date,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['opportunity_id', 'entered_at', 'stage']) }}
