with

source as (

    select * from {{ source('raw', 'orders') }}

),

renamed as (

    select
        order_id,
        coalesce(line_no, 1) as line_no,
        order_date,
        customer_id,
        rep_id,
        product_id,
        quantity,
        unit_price,
        coalesce(discount_amount, 0) as discount_amount,
        coalesce(upper(nullif(trim(currency), '')), 'CNY') as currency,
        -- A line with a cancellation date is cancelled whatever its status cell says. pending (on hold, in
        -- process, awaiting approval) and disputed lines keep their status: visible, not creditable until a
        -- later extract says completed (ingestion maps the English and Chinese labels, ingestion/entities.py).
        case
            when cancelled_date is not null then 'cancelled'
            when lower(trim(status)) in ('cancelled', 'canceled') then 'cancelled'
            when lower(trim(status)) in ('pending', 'disputed') then lower(trim(status))
            else 'completed'
        end as status,
        cancelled_date,
        updated_at,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['order_id', 'line_no'], updated_at='updated_at') }}
