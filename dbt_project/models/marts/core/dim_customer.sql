with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

final as (

    select
        customer_id,
        customer_name,
        industry,
        segment,
        region,
        city,
        owner_rep_id,
        created_date,

        _source_file,
        _source_row

    from customers

)

select * from final
