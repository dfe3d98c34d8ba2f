with

products as (

    select * from {{ ref('stg_raw__products') }}

),

final as (

    select
        product_id,
        product_name,
        product_line,
        category,
        list_price,
        unit_cost,
        list_price - unit_cost as list_margin,
        launch_date,

        _source_file,
        _source_row

    from products

)

select * from final
