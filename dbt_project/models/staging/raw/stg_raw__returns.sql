with

source as (

    select * from {{ source('raw', 'returns') }}

),

renamed as (

    select
        return_id,
        order_id,
        line_no,
        return_date,
        quantity,
        amount,
        reason,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['return_id']) }}
