with

source as (

    select * from {{ source('raw', 'credit_splits') }}

),

renamed as (

    select
        order_id,
        rep_id,
        split_pct,
        -- blank in older exports: a revenue split (docs/commissions.md "Credit splits")
        coalesce(split_type, 'revenue') as split_type,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['order_id', 'rep_id', "coalesce(split_type, 'revenue')"]) }}
