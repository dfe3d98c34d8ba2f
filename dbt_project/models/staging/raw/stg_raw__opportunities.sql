with

source as (

    select * from {{ source('raw', 'opportunities') }}

),

renamed as (

    select
        opportunity_id,
        customer_id,
        owner_rep_id,
        stage,
        amount,
        created_date,
        expected_close_date,
        closed_date,
        coalesce(lower(trim(status)), 'open') as status,
        lost_reason,
        updated_at,
        nullif(trim(source), '') as source,
        nullif(trim(product_line), '') as product_line,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['opportunity_id'], updated_at='updated_at') }}
