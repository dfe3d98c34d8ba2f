with

source as (

    select * from {{ source('raw', 'credit_splits') }}

),

renamed as (

    select
        order_id,
        rep_id,
        split_pct,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['order_id', 'rep_id']) }}
