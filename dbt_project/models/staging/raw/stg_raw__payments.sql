with

source as (

    select * from {{ source('raw', 'payments') }}

),

renamed as (

    select
        payment_id,
        order_id,
        customer_id,
        payment_date,
        amount,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['payment_id']) }}
